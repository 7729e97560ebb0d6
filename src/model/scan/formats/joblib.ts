import { ConcatSource } from "../archive/concatSource.js";
import { expand, release } from "../archive/expand.js";
import { makeIssue } from "../archive/issues.js";
import { type JoblibLayout, locateJoblibArrays } from "../archive/joblibLayout.js";
import { type ByteSource, SliceSource } from "../byteSource.js";
import type { FormatScanner, ScanContext, ScanInput } from "../types.js";

/**
 * joblib dumps (joblib/numpy_pickle.py, `joblib.dump`/`joblib.load`, the format of most
 * scikit-learn models): a pickle whose numpy arrays are written raw right after each
 * `NumpyArrayWrapper` object, inside the pickle stream. archive/joblibLayout.ts finds those
 * arrays; the pickle with the arrays cut out (a valid pickle: the arrays are all the loader
 * reads between opcodes) goes to ctx.scanNested as `<name>:pickle` for the pickle analyser, and
 * each object-dtype array — a nested pickle joblib runs too — as `<name>:array-<n>`. Raw array
 * bytes are skipped, never read.
 *
 * Compressed dumps (compress=… with zlib, gzip, bz2, xz or lz4) are plain compressed streams:
 * formats/compressed.ts decompresses them and this scanner sees the joblib inside. The pre-0.10
 * "ZF" format (a hex length, then zlib) is read here. Detection: a pickle (protocol 2–5 header)
 * whose first 4 KiB name `joblib.numpy_pickle` / `NumpyArrayWrapper`, or the "ZF0x" header.
 */

/**
 * The array-free pickle this scanner hands on still names NumpyArrayWrapper, so it is handed
 * over as `format: "pickle"` (detection would take it for joblib again). The suffix only names
 * it in reports.
 */
export const PICKLE_SUFFIX = ":joblib-pickle";

const MARKERS = ["joblib.numpy_pickle", "NumpyArrayWrapper"].map((m) =>
  new TextEncoder().encode(m),
);
const ZFILE = [0x5a, 0x46, 0x30, 0x78]; // "ZF0x"
const ZFILE_HEADER = 2 + 19; // "ZF" + hex length padded to len(hex(2**64))

export const joblibScanner: FormatScanner = {
  format: "joblib",
  description:
    "joblib dump (scikit-learn models): the pickle without its raw arrays sent to the pickle analyser",
  detect(head) {
    if (ZFILE.every((b, i) => head[i] === b)) return true;
    if (head[0] !== 0x80 || head[1] === undefined || head[1] < 2 || head[1] > 5) return false;
    return MARKERS.some((marker) => indexOf(head, marker) !== -1);
  },
  async scan(input, ctx) {
    if (await isZfile(input.source)) {
      await scanZfile(input, ctx);
      return;
    }
    await scanJoblibStream(input.source, input.name, ctx);
  },
};

async function isZfile(source: ByteSource): Promise<boolean> {
  const head = await source.read(0, 4);
  return ZFILE.every((b, i) => head[i] === b);
}

/** joblib < 0.10 (numpy_pickle_compat.read_zfile): "ZF", hex length, optional space, zlib. */
async function scanZfile(input: ScanInput, ctx: ScanContext): Promise<void> {
  const header = await input.source.read(0, ZFILE_HEADER + 1);
  const start = header[ZFILE_HEADER] === 0x20 ? ZFILE_HEADER + 1 : ZFILE_HEADER;
  const compressed = new SliceSource(input.source, start, Math.max(0, input.source.size - start));
  const result = await expand("zlib", compressed, { limits: ctx.limits });
  if (result.status !== "ok") {
    ctx.report(
      makeIssue({
        rule: result.status === "limit" ? "joblib.bomb" : "joblib.corrupt",
        severity: "high",
        title:
          result.status === "limit"
            ? `Old-format joblib file expands past the ${result.limit} limit`
            : `Old-format joblib file could not be decompressed: ${result.message}`,
        reason: "Its pickle could not be scanned in full; what was decoded was scanned.",
        evidence: { decoded: result.produced },
      }),
    );
    return;
  }
  try {
    // Old dumps keep arrays in separate files (NDArrayWrapper), so the stream is a plain pickle.
    await scanJoblibStream(result.source, input.name, ctx);
  } finally {
    await release(result.source);
  }
}

async function scanJoblibStream(source: ByteSource, name: string, ctx: ScanContext): Promise<void> {
  let layout: JoblibLayout;
  try {
    layout = await locateJoblibArrays(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.report(
      makeIssue({
        rule: "joblib.unparsed",
        severity: "medium",
        title: `joblib arrays could not be located: ${message}`,
        reason:
          "The stream was handed to the pickle analyser whole; raw array bytes between opcodes may cut its analysis short. Load it only if you trust its origin.",
        evidence: { error: message },
      }),
    );
    await ctx.scanNested(`${name}${PICKLE_SUFFIX}`, source, { format: "pickle" });
    return;
  }
  const pickle =
    layout.arrays.length === 0
      ? new SliceSource(source, 0, layout.end)
      : new ConcatSource(source, layout.pickle);
  await ctx.scanNested(`${name}${PICKLE_SUFFIX}`, pickle, { format: "pickle" });
  let index = 0;
  for (const array of layout.arrays) {
    if (array.kind === "pickle") {
      await ctx.scanNested(
        `${name}:array-${index}`,
        new SliceSource(source, array.offset, array.size),
      );
    }
    index++;
  }
  if (layout.end < source.size) {
    const size = source.size - layout.end;
    ctx.report(
      makeIssue({
        rule: "joblib.trailing-data",
        severity: "medium",
        title: `${size} bytes after the end of the joblib pickle`,
        reason:
          "joblib.load stops at the pickle's STOP, so the bytes are not loaded by it but can carry a payload for another tool (a second pickle, a polyglot). They were scanned on their own.",
        evidence: { bytes: size },
        offset: layout.end,
      }),
    );
    await ctx.scanNested(`${name}:trailing`, new SliceSource(source, layout.end, size));
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
