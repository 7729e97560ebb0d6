import type { ByteSource } from "../byteSource.js";

/**
 * Recognises native executables and code by their magic numbers, for members that have no
 * business in a model archive: ELF (System V ABI), Mach-O and universal binaries, PE/COFF
 * ("MZ" with a "PE\0\0" signature at e_lfanew, so that a float tensor starting with 4D 5A does
 * not count), Java class files and `#!` scripts.
 */

export type ExecutableKind = "elf" | "mach-o" | "mach-o-universal" | "pe" | "java-class" | "script";

export async function detectExecutable(source: ByteSource): Promise<ExecutableKind | undefined> {
  if (source.size < 4) return undefined;
  const head = await source.read(0, 64);
  const be = (at: number) =>
    ((head[at]! << 24) | (head[at + 1]! << 16) | (head[at + 2]! << 8) | head[at + 3]!) >>> 0;
  const magic = be(0);
  if (
    magic === 0x7f454c46 &&
    (head[4] === 1 || head[4] === 2) &&
    (head[5] === 1 || head[5] === 2)
  ) {
    return "elf";
  }
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return "mach-o";
  if (magic === 0xcafebabe && head.length >= 8) {
    // Universal binaries count a handful of architectures; class files put a version ≥ 45 here.
    return be(4) < 45 ? "mach-o-universal" : "java-class";
  }
  if (head[0] === 0x23 && head[1] === 0x21) return "script";
  if (head[0] === 0x4d && head[1] === 0x5a && head.length >= 64) {
    const peOffset = (head[60]! | (head[61]! << 8) | (head[62]! << 16) | (head[63]! << 24)) >>> 0;
    if (peOffset + 4 <= source.size && peOffset < 64 * 1024) {
      const pe = await source.read(peOffset, 4);
      if (pe[0] === 0x50 && pe[1] === 0x45 && pe[2] === 0 && pe[3] === 0) return "pe";
    }
  }
  return undefined;
}
