import { makeIssue } from "../archive/issues.js";
import {
  describeDescr,
  hasNpyMagic,
  type NpyHeader,
  NUMPY_MAX_HEADER,
  npyPreludeLength,
  parseNpyHeader,
} from "../archive/npyHeader.js";
import { formatLiteral } from "../archive/pyLiteral.js";
import { firstLocalName, scanZipContainer } from "../archive/zipContainer.js";
import { SliceSource } from "../byteSource.js";
import { MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput } from "../types.js";

/**
 * NumPy arrays, after NEP 1 (the .npy format, numpy/lib/format.py) and numpy.savez (.npz: a
 * zip of .npy members). The header dict is parsed by a strict literal parser, never
 * evaluated. An object dtype (`|O`, or a structured dtype with object fields) means the data is
 * a pickle, which np.load(allow_pickle=True) runs: it is reported (`numpy.object-array`) and
 * handed to ctx.scanNested for the pickle analyser. Data beyond what the header describes is
 * reported and scanned; headers numpy would refuse are reported.
 *
 * Defaults: headers over numpy's 10 000-character limit are reported; headers over 1 MiB are
 * not read at all.
 */

const HEADER_READ_LIMIT = 1024 * 1024;

export const numpyNpyScanner: FormatScanner = {
  format: "numpy-npy",
  description:
    "NumPy .npy array: header checked, object (pickle) payloads sent to the pickle analyser",
  detect: (head) => hasNpyMagic(head),
  scan: scanNpy,
};

export const numpyNpzScanner: FormatScanner = {
  format: "numpy-npz",
  description: "NumPy .npz archive: a zip of .npy arrays, each scanned",
  detect(head) {
    const name = firstLocalName(head);
    return name?.endsWith(".npy") === true;
  },
  async scan(input, ctx) {
    await scanZipContainer(input, ctx, {
      visit(entry) {
        if (entry.name.endsWith(".npy")) return;
        ctx.report(
          makeIssue({
            rule: "numpy.unexpected-member",
            severity: "low",
            title: `Member ${JSON.stringify(entry.name)} of an .npz is not an .npy array`,
            reason:
              "np.load returns such members as raw bytes; they were scanned by content. numpy.savez never writes them.",
            evidence: { member: entry.name },
          }),
        );
      },
    });
  },
};

async function scanNpy(input: ScanInput, ctx: ScanContext): Promise<void> {
  const { source, name } = input;
  const prelude = await source.read(0, 12);
  const major = prelude[6] ?? 0;
  const preludeLength = npyPreludeLength(major);
  const declared =
    prelude.length >= preludeLength
      ? major === 1
        ? prelude[8]! | (prelude[9]! << 8)
        : (prelude[8]! | (prelude[9]! << 8) | (prelude[10]! << 16) | (prelude[11]! << 24)) >>> 0
      : 0;
  if (declared > NUMPY_MAX_HEADER) {
    ctx.report(
      makeIssue({
        rule: "numpy.large-header",
        severity: "medium",
        title: `.npy header is ${declared} bytes, over numpy's ${NUMPY_MAX_HEADER}-byte safety limit`,
        reason:
          "numpy refuses such headers unless allow_pickle=True, because parsing them can exhaust the parser; a file that needs allow_pickle to load is one to distrust.",
        evidence: { headerLength: declared, limit: NUMPY_MAX_HEADER },
        offset: 8,
      }),
    );
  }
  if (declared > HEADER_READ_LIMIT) {
    malformed(ctx, "header too large to read", { headerLength: declared });
    return;
  }
  const header = parseNpyHeader(await source.read(0, preludeLength + declared));
  if (reportProblems(header, ctx)) return;
  const dtype = describeDescr(header.descr);
  const payload = Math.max(0, source.size - header.dataOffset);
  if (dtype.hasObject) {
    ctx.report(
      makeIssue({
        rule: "numpy.object-array",
        severity: "medium",
        title: "Object array: the data is a pickle that np.load(allow_pickle=True) executes",
        reason:
          "Object arrays are stored as a pickle, and loading them runs whatever that pickle calls. The pickle was analysed separately; prefer numeric dtypes, and never pass allow_pickle=True for files you did not make.",
        evidence: {
          descr: header.descr ? formatLiteral(header.descr) : undefined,
          shape: header.shape?.map(Number),
          bytes: payload,
        },
        offset: header.dataOffset,
        threats: UNSAFE_ARTIFACT,
      }),
    );
    await ctx.scanNested(
      `${name}:object-array`,
      new SliceSource(source, header.dataOffset, payload),
    );
    return;
  }
  if (dtype.itemsize === undefined || header.shape === undefined) return;
  const count = header.shape.reduce((a, b) => a * b, 1n);
  const expected = count * BigInt(dtype.itemsize);
  if (expected > BigInt(payload)) {
    ctx.report(
      makeIssue({
        rule: "numpy.truncated",
        severity: "low",
        title: `.npy data is ${payload} bytes, the header describes ${expected}`,
        reason: "np.load will fail on this file; it may have been cut short in transfer or edited.",
        evidence: { expected: expected.toString(), actual: payload },
        offset: header.dataOffset,
      }),
    );
  } else if (expected < BigInt(payload)) {
    const extra = payload - Number(expected);
    const offset = header.dataOffset + Number(expected);
    ctx.report(
      makeIssue({
        rule: "numpy.trailing-data",
        severity: "medium",
        title: `${extra} bytes after the array data`,
        reason:
          "np.load ignores bytes past the array, so they can carry a payload for another tool (a polyglot). They were scanned on their own.",
        evidence: { bytes: extra, expected: expected.toString() },
        offset,
      }),
    );
    await ctx.scanNested(`${name}:trailing`, new SliceSource(source, offset, extra));
  }
}

/** Reports header problems; true when the header is unusable. */
function reportProblems(header: NpyHeader, ctx: ScanContext): boolean {
  let fatal = false;
  for (const problem of header.problems) {
    switch (problem.kind) {
      case "version":
        ctx.report(
          makeIssue({
            rule: "numpy.unsupported-version",
            severity: "medium",
            title: `.npy format version ${problem.major}.${problem.minor} does not exist`,
            reason:
              "numpy accepts versions 1.0, 2.0 and 3.0 only; this file was not written by numpy.",
            evidence: { major: problem.major, minor: problem.minor },
            offset: 6,
          }),
        );
        fatal = true;
        break;
      case "truncated":
        malformed(ctx, "file ends inside the header", {});
        fatal = true;
        break;
      case "syntax":
        malformed(ctx, `header is not a Python dict literal: ${problem.message}`, {
          header: header.text.slice(0, 200),
        });
        fatal = true;
        break;
      case "keys":
        malformed(ctx, `header keys are ${JSON.stringify(problem.keys)}`, { keys: problem.keys });
        break;
      case "value":
        malformed(ctx, `header field ${problem.key} is ${problem.message}`, { key: problem.key });
        break;
    }
  }
  return fatal;
}

function malformed(ctx: ScanContext, what: string, evidence: Record<string, unknown>): void {
  ctx.report(
    makeIssue({
      rule: "numpy.malformed-header",
      severity: "medium",
      title: `Malformed .npy header: ${what}`,
      reason:
        "numpy refuses this header, so the file is not what it claims to be; another reader may still accept it. The payload was not interpreted.",
      evidence,
      offset: 8,
      threats: MALFORMED_ARTIFACT,
    }),
  );
}
