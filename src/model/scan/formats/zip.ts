import { scanZipContainer } from "../archive/zipContainer.js";
import type { FormatScanner } from "../types.js";

/**
 * Generic zip container (PKWARE APPNOTE.TXT 6.3.10): every member goes to ctx.scanNested and
 * is judged by its own content; the container itself is checked by archive/zipReader.ts. Model
 * flavours of zip (pytorch-zip, torchscript, numpy-npz, keras-v3) register before this one.
 * Detection: a local file header at offset 0, an empty archive's end record, or the spanning
 * marker some writers put first.
 */
export const zipScanner: FormatScanner = {
  format: "zip",
  description:
    "Zip archive: every member scanned by content; name, offset, CRC and bomb tricks reported",
  detect(head) {
    if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
    const kind = (head[2]! << 8) | head[3]!;
    if (kind === 0x0304) return true;
    if (kind === 0x0506) return head.length >= 22;
    return kind === 0x0708 && head[6] === 3 && head[7] === 4;
  },
  async scan(input, ctx) {
    await scanZipContainer(input, ctx);
  },
};
