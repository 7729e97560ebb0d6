import { describe, expect, it } from "vitest";
import { buildTar } from "../archive/testdata/build.js";
import { fixture, head } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import { pytorchTarScanner } from "./pytorchTar.js";

describe("legacy PyTorch tar", () => {
  it("detects the real file (made by hand, loaded by torch.load) and not other tars", () => {
    const real = fixture("torch_legacy.tar");
    expect(pytorchTarScanner.detect(head(real), { size: real.length, name: "x" })).toBe(true);
    const other = buildTar([{ name: "readme", data: "x" }]);
    expect(pytorchTarScanner.detect(head(other), { size: other.length, name: "x" })).toBe(false);
  });

  it("hands over the four members with nothing to report, storages without their raw bytes", async () => {
    const { issues, nested } = await runScanner(pytorchTarScanner, fixture("torch_legacy.tar"));
    expect(issues).toEqual([]);
    expect(nested.map((n) => n.name)).toEqual(["sys_info", "pickle", "tensors", "storages"]);
    expect(nested.every((n) => n.bytes[0] === 0x80)).toBe(true);
    // storages: pickle(1), pickle((0, "cpu", FloatStorage)), [8 + 16 raw bytes], pickle([])
    const storages = nested.find((n) => n.name === "storages")!;
    const floats = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    expect(Buffer.from(storages.bytes).includes(Buffer.from(floats))).toBe(false);
    expect(storages.bytes.filter((b) => b === 0x2e).length).toBeGreaterThanOrEqual(3);
    const tensors = nested.find((n) => n.name === "tensors")!;
    expect(tensors.bytes.at(-1)).toBe(0x2e);
  });

  it("hands a member that breaks the layout over whole, with an issue", async () => {
    const { issues, nested } = await runScanner(
      pytorchTarScanner,
      buildTar([
        { name: "sys_info", data: new Uint8Array([0x80, 0x02, 0x4e, 0x2e]) },
        // pickle(5), then bytes that are no pickle
        {
          name: "storages",
          data: new Uint8Array([
            0x80,
            0x02,
            0x4b,
            0x05,
            0x2e,
            ...new TextEncoder().encode("garbage"),
          ]),
        },
      ]),
    );
    expect(issues.map((i) => i.rule)).toEqual(["pytorch.unparsed-member"]);
    expect(nested.at(-1)!.bytes.length).toBe(12);
  });

  it("reports extra members, executables as high", async () => {
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, ...new Array(57).fill(0)]);
    const { issues } = await runScanner(
      pytorchTarScanner,
      buildTar([
        { name: "sys_info", data: "\x80\x02." },
        { name: "notes", data: "x" },
        { name: "libevil.so", data: elf },
      ]),
    );
    expect(issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch.unexpected-member", "low"],
      ["pytorch.unexpected-member", "high"],
    ]);
  });
});
