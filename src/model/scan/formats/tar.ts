import { scanTarContainer } from "../archive/tarContainer.js";
import { BLOCK, hasUstarMagic, tarChecksumValid } from "../archive/tarReader.js";
import type { FormatScanner } from "../types.js";

/**
 * Tar archives, POSIX ustar / pax (IEEE Std 1003.1) and GNU tar: every regular member goes to
 * ctx.scanNested; traversal names, links, device files, duplicates and data after the end are
 * reported (archive/tarContainer.ts). Detection: the "ustar" magic at offset 257 and a valid
 * header checksum (pre-POSIX v7 tars without the magic are not claimed).
 */
export const tarScanner: FormatScanner = {
  format: "tar",
  description:
    "Tar archive (ustar, pax, GNU): every member scanned; traversal and link members reported",
  detect: (head) => isTarHead(head),
  async scan(input, ctx) {
    await scanTarContainer(input, ctx);
  },
};

export function isTarHead(head: Uint8Array): boolean {
  return head.length >= BLOCK && hasUstarMagic(head) && tarChecksumValid(head.subarray(0, BLOCK));
}
