import { describe, expect, it } from "vitest";
import { buildZip } from "../archive/testdata/build.js";
import { fixture, head, rules, serious } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import { pytorchZipScanner, torchscriptScanner } from "./pytorchZip.js";
import { zipScanner } from "./zip.js";

const which = (bytes: Uint8Array) =>
  [pytorchZipScanner, torchscriptScanner, zipScanner].find((s) =>
    s.detect(head(bytes), { size: bytes.length, name: "x" }),
  )?.format;

const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(56).fill(0)]);

describe("PyTorch zip detection", () => {
  it("tells checkpoints, TorchScript and other zips apart by the first member", () => {
    expect(which(fixture("torch_state_dict.pt"))).toBe("pytorch-zip");
    expect(which(fixture("torch_module.pt"))).toBe("pytorch-zip");
    expect(which(fixture("torchscript.pt"))).toBe("torchscript");
    expect(which(fixture("arrays.npz"))).toBe("zip");
    expect(which(buildZip([{ name: "archive/data.pkl", data: "x" }]))).toBe("pytorch-zip");
    expect(which(buildZip([{ name: "archive/.data/serialization_id", data: "x" }]))).toBe(
      "pytorch-zip",
    );
    expect(which(buildZip([{ name: "data.pkl", data: "x" }]))).toBe("zip");
  });
});

describe("PyTorch zip scanning of real files", () => {
  it.each([
    ["torch_state_dict.pt", pytorchZipScanner, ["data.pkl", "data/0", "data/1", "version"]],
    ["torch_module.pt", pytorchZipScanner, ["data.pkl", "data/0", "data/1", "version"]],
    [
      "torchscript.pt",
      torchscriptScanner,
      [
        "data/0",
        "data/1",
        "data.pkl",
        "code/__torch__.py",
        "code/__torch__.py.debug_pkl",
        "code/__torch__/torch/nn/modules/linear.py",
        "code/__torch__/torch/nn/modules/linear.py.debug_pkl",
        "constants.pkl",
        "version",
      ],
    ],
  ] as const)("%s: every member handed over, nothing above low", async (name, scanner, members) => {
    const root = name.replace(/\.pt$/, "");
    const { issues, nested } = await runScanner(scanner, fixture(name), { name });
    expect(serious(issues)).toEqual([]);
    expect(issues).toEqual([]);
    expect(nested.map((n) => n.name)).toEqual(members.map((m) => `${root}/${m}`));
    const pickle = nested.find((n) => n.name.endsWith("/data.pkl"))!;
    expect(pickle.bytes[0]).toBe(0x80);
    // The TorchScript source is deflated in the archive: it arrives decompressed.
    const code = nested.find((n) => n.name.endsWith("code/__torch__.py"));
    if (code) expect(new TextDecoder().decode(code.bytes)).toContain("class");
  });
});

describe("unexpected members", () => {
  it("reports a shared library as high, even disguised as a tensor", async () => {
    const { issues } = await runScanner(
      pytorchZipScanner,
      buildZip([
        { name: "archive/data.pkl", data: "\x80\x02." },
        { name: "archive/data/0", data: ELF },
      ]),
    );
    expect(rules(issues)).toEqual(["pytorch.unexpected-member"]);
    expect(issues[0]!.severity).toBe("high");
    expect(issues[0]!.evidence.executable).toBe("elf");
  });

  it("reports code in a checkpoint as medium but accepts TorchScript code", async () => {
    const checkpoint = await runScanner(
      pytorchZipScanner,
      buildZip([
        { name: "archive/data.pkl", data: "\x80\x02." },
        { name: "archive/hook.py", data: "import os" },
        { name: "archive/run.sh", data: "#!/bin/sh\nid" },
      ]),
    );
    expect(checkpoint.issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch.unexpected-member", "medium"],
      ["pytorch.unexpected-member", "medium"],
    ]);
    const script = await runScanner(
      torchscriptScanner,
      buildZip([
        { name: "m/data/0", data: "t" },
        { name: "m/code/__torch__.py", data: "class M:" },
        { name: "m/extra/readme.txt", data: "hi" },
      ]),
    );
    expect(script.issues).toEqual([]);
  });

  it("reports members outside the layout or the archive folder as low, and scans them", async () => {
    const { issues, nested } = await runScanner(
      pytorchZipScanner,
      buildZip([
        { name: "archive/data.pkl", data: "\x80\x02." },
        { name: "archive/notes.txt", data: "x" },
        { name: "other/data.pkl", data: "\x80\x02." },
      ]),
    );
    expect(issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch.unexpected-member", "low"],
      ["pytorch.unexpected-member", "low"],
    ]);
    expect(nested.map((n) => n.name)).toEqual([
      "archive/data.pkl",
      "archive/notes.txt",
      "other/data.pkl",
    ]);
  });

  it("keeps the zip checks: a name mismatch on data.pkl is high", async () => {
    const { issues } = await runScanner(
      pytorchZipScanner,
      buildZip([{ name: "archive/data.pkl", localName: "archive/data.pk1", data: "\x80\x02." }]),
    );
    expect(rules(issues)).toEqual(["zip.name-mismatch"]);
  });
});
