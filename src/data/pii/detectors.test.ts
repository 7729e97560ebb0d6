import { describe, expect, it } from "vitest";
import { findPii } from "./detectors.js";
import { email } from "./email.js";
import { iban, ibanValid } from "./iban.js";
import { ipv4, ipv6 } from "./ipAddress.js";
import { cardScheme, luhnValid, paymentCard } from "./paymentCard.js";
import { phone } from "./phone.js";
import { ssn, ssnValid } from "./ssn.js";
import type { PiiKind } from "./types.js";

const plain = { name: "notes" };
const kindsIn = (text: string, column = plain): PiiKind[] =>
  findPii(text, column).map((m) => m.kind);
const matched = (text: string, column = plain): string[] =>
  findPii(text, column).map((m) => text.slice(m.start, m.end));

describe("payment cards", () => {
  it.each([
    ["4111 1111 1111 1111", "visa"],
    ["4111-1111-1111-1111", "visa"],
    ["4111111111111111", "visa"],
    ["5555 5555 5555 4444", "mastercard"],
    ["2223 0031 2200 3222", "mastercard"],
    ["3782 822463 10005", "amex"],
    ["6011 1111 1111 1117", "discover"],
    ["3530 1113 3330 0000", "jcb"],
  ])("finds %s (%s)", (text, scheme) => {
    expect(matched(`paid with ${text} yesterday`)).toEqual([text]);
    expect(kindsIn(text)).toEqual(["card"]);
    expect(cardScheme(text.replace(/\D/g, ""))).toBe(scheme);
  });

  it("rejects a bad Luhn digit, an unknown issuer prefix and too-long digit runs", () => {
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(paymentCard.find("4111 1111 1111 1112", plain)).toEqual([]);
    // Luhn-valid, but no scheme issues numbers starting with 1.
    expect(luhnValid("1234567890123452")).toBe(true);
    expect(paymentCard.find("1234567890123452", plain)).toEqual([]);
    // A valid card number inside a longer digit run is not a card number.
    expect(paymentCard.find("94111111111111111", plain)).toEqual([]);
    expect(paymentCard.find("4111 1111 1111 1111 2222", plain)).toEqual([]);
  });

  it("masks all but the last four digits", () => {
    expect(paymentCard.mask("4111 1111 1111 4242")).toBe("**** **** **** 4242");
  });
});

describe("IBANs", () => {
  it.each([
    "GB82 WEST 1234 5698 7654 32",
    "GB82WEST12345698765432",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "CH93 0076 2011 6238 5295 7",
  ])("finds %s", (text) => {
    expect(matched(`IBAN ${text} EUR`)).toEqual([text]);
    expect(kindsIn(text)).toEqual(["iban"]);
  });

  it("rejects a bad check (mod 97), a wrong length and an unknown country", () => {
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("GB82WEST12345698765433")).toBe(false);
    expect(iban.find("GB82 WEST 1234 5698 7654 33", plain)).toEqual([]);
    expect(iban.find("DE89 3704 0044 0532 0130 0", plain)).toEqual([]);
    expect(iban.find("DE89 3704 0044 0532 0130 001", plain)).toEqual([]);
    expect(iban.find("ZZ82WEST12345698765432", plain)).toEqual([]);
  });

  it("normalises print and electronic forms to the same value, masks the middle", () => {
    const a = iban.find("GB82 WEST 1234 5698 7654 32", plain)[0]!;
    const b = iban.find("gb82west12345698765432 ", plain);
    expect(a.normalized).toBe("GB82WEST12345698765432");
    expect(b).toEqual([]); // the country code must be upper case
    expect(iban.mask("GB82 WEST 1234 5698 7654 32")).toBe("GB** **** **** **** **54 32");
  });
});

describe("US SSNs", () => {
  it("finds formatted SSNs that follow the SSA rules", () => {
    expect(matched("ssn 123-45-6789.")).toEqual(["123-45-6789"]);
    expect(matched("078 05 1120")).toEqual(["078 05 1120"]);
    expect(ssn.mask("123-45-6789")).toBe("***-**-6789");
  });

  it.each(["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"])(
    "rejects %s",
    (text) => {
      expect(ssnValid(text.replace(/\D/g, ""))).toBe(false);
      expect(kindsIn(text)).toEqual([]);
    },
  );

  it("counts nine bare digits only in an SSN column", () => {
    expect(kindsIn("123456789")).toEqual([]);
    expect(kindsIn("123456789", { name: "customer_ssn" })).toEqual(["ssn"]);
    expect(kindsIn("123456789", { name: "SocialSecurityNumber" })).toEqual(["ssn"]);
    expect(kindsIn("000456789", { name: "ssn" })).toEqual([]);
  });
});

describe("emails", () => {
  it("finds addresses and masks them", () => {
    expect(matched("write to Jane.Doe+ml@mail.example.co.uk, or ops@example.com")).toEqual([
      "Jane.Doe+ml@mail.example.co.uk",
      "ops@example.com",
    ]);
    expect(email.mask("jane.doe@example.com")).toBe("j***@e***.com");
    expect(email.find("JANE@EXAMPLE.COM", plain)[0]?.normalized).toBe("jane@example.com");
  });

  it("ignores things with an @ that are not addresses", () => {
    expect(kindsIn("@handle")).toEqual([]);
    expect(kindsIn("user@localhost")).toEqual([]);
    expect(kindsIn("a @ b . c")).toEqual([]);
  });
});

describe("phone numbers", () => {
  it.each([
    "+44 20 7946 0958",
    "+1 415 555 0132",
    "+14155550132",
    "+33 1 23 45 67 89",
    "+1 (415) 555-0132",
    "+44 (0)20 7946 0958",
    "(415) 555-0132",
    "415-555-0132",
    "415.555.0132",
    "020 7946 0958",
    "01 23 45 67 89",
    "030-12345678",
  ])("finds %s", (text) => {
    expect(matched(`call ${text} now`)).toEqual([text]);
    expect(kindsIn(text)).toEqual(["phone"]);
  });

  it.each([
    "5551234567",
    "12345",
    "2024-01-15",
    "1,234,567",
    "order 100 200 3000",
    "+123",
    "3.14159265",
    "12:30:45",
  ])("does not take %s for a phone number in an ordinary column", (text) => {
    expect(kindsIn(text)).toEqual([]);
  });

  it("takes plain digit strings as phone numbers in a phone column", () => {
    expect(kindsIn("5551234567", { name: "mobile_number" })).toEqual(["phone"]);
    expect(kindsIn("5551234567", { name: "customerPhone" })).toEqual(["phone"]);
    expect(kindsIn("5551234567", { name: "hotel" })).toEqual([]);
    expect(kindsIn("12345", { name: "phone" })).toEqual([]);
  });

  it("masks all but the last two digits", () => {
    expect(phone.mask("+44 20 7946 0958")).toBe("+** ** **** **58");
  });
});

describe("IP addresses", () => {
  it("finds IPv4 and IPv6 addresses", () => {
    expect(matched("from 192.168.1.20 and 10.0.0.1")).toEqual(["192.168.1.20", "10.0.0.1"]);
    expect(kindsIn("2001:db8::8a2e:370:7334")).toEqual(["ipv6"]);
    expect(kindsIn("fe80::1")).toEqual(["ipv6"]);
    expect(kindsIn("::ffff:192.0.2.128")).toEqual(["ipv6"]);
    expect(ipv4.mask("192.168.1.20")).toBe("192.*.*.*");
    expect(ipv6.mask("2001:db8::1")).toBe("2001:****");
  });

  it("rejects invalid octets, times, longer dotted runs and C++ scopes", () => {
    expect(kindsIn("999.1.1.1")).toEqual([]);
    expect(kindsIn("1.2.3.4.5")).toEqual([]);
    expect(kindsIn("12:30:45")).toEqual([]);
    expect(kindsIn("std::vector")).toEqual([]);
    expect(kindsIn("a :: b")).toEqual([]);
  });
});

describe("adversarial input", () => {
  it("stays linear on long runs that almost match (no catastrophic backtracking)", () => {
    const hostile = [
      `+${"1".repeat(5000)}x`,
      "1".repeat(20_000),
      `0${" 12".repeat(5000)}`,
      `a@${"b.".repeat(5000)}!`,
      "1:".repeat(5000),
      "4111 ".repeat(4000),
      "GB82 ".repeat(4000),
    ];
    // A count of matches, not a timing: a backtracking regex would not finish at all here.
    for (const text of hostile) expect(findPii(text, plain).length).toBeLessThan(5000);
  });
});

describe("several kinds in one value", () => {
  it("finds each once, in text order, the most specific kind winning an overlap", () => {
    const text = "jane@example.com 4111 1111 1111 1111 from 10.1.2.3 tel +44 20 7946 0958";
    expect(kindsIn(text)).toEqual(["email", "card", "ipv4", "phone"]);
  });

  it("finds nothing in ordinary values", () => {
    for (const text of ["", "hello world", "42", "3.5", "2024-06-01T12:00:00Z", "SKU-88123"]) {
      expect(kindsIn(text)).toEqual([]);
    }
  });
});
