import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { looksLikePickle, startsLikePickle } from "./detect.js";
import { assemble } from "./testdata/assemble.js";

const text = (s: string) => new TextEncoder().encode(s);
const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

describe("looksLikePickle", () => {
  it("accepts protocol 2-5 headers", () => {
    for (const v of [2, 3, 4, 5])
      expect(looksLikePickle(Uint8Array.of(0x80, v, 0x4e, 0x2e))).toBe(true);
    expect(looksLikePickle(Uint8Array.of(0x80, 6, 0x4e, 0x2e))).toBe(false);
    expect(looksLikePickle(Uint8Array.of(0x80, 1))).toBe(false);
  });

  it("accepts protocol 0 and 1 pickles from Python", () => {
    for (const name of [
      "benign_dict_p0.pkl",
      "reduce_os_system_p0.pkl",
      "reduce_os_system_p1.pkl",
      "inst_os_system.pkl",
      "obj_os_system.pkl",
      "memo_text_p0.pkl",
    ]) {
      expect(looksLikePickle(fixture(name)), name).toBe(true);
    }
  });

  it("accepts protocol 0 streams that break after importing something, or at the end of input", () => {
    expect(looksLikePickle(text("cos\nsystem\n(S'id'\ntR\xff"))).toBe(true);
    expect(looksLikePickle(text("(dp0\nVa\np1\nI1\ns"))).toBe(true);
  });

  it("accepts a head cut from a longer pickle", () => {
    const program = assemble([
      ["MARK"],
      ...Array.from({ length: 40 }, (_, i) => ["INT", i] as const),
      ["LIST"],
      ["STOP"],
    ]);
    expect(looksLikePickle(program.subarray(0, 30), program.length)).toBe(true);
  });

  it("rejects text, JSON, CSV, YAML, XML and source code", () => {
    const samples = [
      "Hello, world!\nThis is a README.\n",
      '{"a": 1, "b": [1, 2, 3]}',
      "[1, 2, 3]",
      "name,age\nalice,30\n",
      "0,1,2\n3,4,5\n",
      "---\nkey: value\n",
      "<?xml version='1.0'?><a/>",
      "import os\nos.system('id')\n",
      "class Foo:\n    pass\n",
      "def f():\n    return 1\n",
      "Lorem ipsum dolor sit amet",
      "Sure, here it is",
      "Intro\nchapter",
      "Note: none",
      "Version 1.0\nCopyright 2024\n",
      "Text with many words",
      "(a) first point",
      "print('x')",
      "#!/bin/sh\necho hi\n",
      "",
      "N",
    ];
    for (const sample of samples) {
      const bytes = text(sample);
      expect(looksLikePickle(bytes, bytes.length), JSON.stringify(sample)).toBe(false);
    }
  });

  it("rejects a length that points past the end of the input", () => {
    const bytes = Uint8Array.of(0x58, 0xff, 0xff, 0xff, 0x0f, 0x41);
    expect(looksLikePickle(bytes, 1000)).toBe(false);
  });
});

describe("startsLikePickle", () => {
  it("looks at a position inside a buffer", () => {
    const bytes = new Uint8Array([...text("junk"), 0x80, 0x02, 0x4e, 0x2e]);
    expect(startsLikePickle(bytes, 0)).toBe(false);
    expect(startsLikePickle(bytes, 4)).toBe(true);
  });
});
