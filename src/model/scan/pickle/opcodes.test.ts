import { describe, expect, it } from "vitest";
import { ARG_KINDS, HIGHEST_PROTOCOL, OPCODE_BY_CODE, OPCODES, Op, opcodeName } from "./opcodes.js";

describe("opcode table", () => {
  it("has every opcode of pickletools, with unique codes and names", () => {
    expect(OPCODES).toHaveLength(68);
    expect(new Set(OPCODES.map((o) => o.code)).size).toBe(68);
    expect(new Set(OPCODES.map((o) => o.name)).size).toBe(68);
    expect(Math.max(...OPCODES.map((o) => o.proto))).toBe(HIGHEST_PROTOCOL);
  });

  it("uses every argument kind and only known ones", () => {
    const used = new Set(OPCODES.map((o) => o.arg).filter((a) => a !== null));
    expect([...used].sort()).toEqual(Object.keys(ARG_KINDS).sort());
  });

  it("agrees with the named codes the VM dispatches on", () => {
    for (const [name, code] of Object.entries(Op)) {
      expect(OPCODE_BY_CODE[code]?.name).toBe(name);
    }
    expect(Object.keys(Op)).toHaveLength(68);
  });

  it("records the protocol that introduced each opcode (PEP 307, 3154, 574)", () => {
    const proto = (name: string) => OPCODES.find((o) => o.name === name)?.proto;
    expect(proto("GLOBAL")).toBe(0);
    expect(proto("BINPUT")).toBe(1);
    expect(proto("NEWOBJ")).toBe(2);
    expect(proto("BINBYTES")).toBe(3);
    expect(proto("STACK_GLOBAL")).toBe(4);
    expect(proto("FRAME")).toBe(4);
    expect(proto("BYTEARRAY8")).toBe(5);
    expect(proto("READONLY_BUFFER")).toBe(5);
  });

  it("names non-opcodes by their hex byte", () => {
    expect(opcodeName(0x63)).toBe("GLOBAL");
    expect(opcodeName(0xff)).toBe("0xff");
  });
});
