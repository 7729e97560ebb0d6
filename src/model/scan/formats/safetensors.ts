import { MALFORMED_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";

/**
 * safetensors files. Source spec: the format section of huggingface/safetensors' README: an
 * 8-byte little-endian header length N, N bytes of UTF-8 JSON (starting with `{`, possibly
 * padded with spaces) mapping tensor names to {dtype, shape, data_offsets: [begin, end]}
 * relative to the data region that follows, plus an optional `__metadata__` string→string map.
 * The reference loader refuses a header over 100 MB and requires the tensors to cover the data
 * region exactly, without overlaps or holes.
 *
 * safetensors holds no code, so what matters is a header built to break other parsers (lengths
 * past the file, overlapping tensors that alias memory) and bytes no tensor accounts for, where
 * a payload can ride along. Only the header is read. A well-formed file yields no issue.
 *
 * Defaults: MAX_HEADER = 100,000,000 bytes (the reference limit); up to 10 examples per issue.
 */

export const MAX_HEADER = 100_000_000;
const MAX_EXAMPLES = 10;

/** Bits per element (the reference Dtype enum, including the sub-byte float types). */
export const DTYPE_BITS: ReadonlyMap<string, number> = new Map([
  ["BOOL", 8],
  ["U8", 8],
  ["I8", 8],
  ["F8_E5M2", 8],
  ["F8_E4M3", 8],
  ["F8_E8M0", 8],
  ["F4", 4],
  ["F6_E2M3", 6],
  ["F6_E3M2", 6],
  ["I16", 16],
  ["U16", 16],
  ["F16", 16],
  ["BF16", 16],
  ["I32", 32],
  ["U32", 32],
  ["F32", 32],
  ["C64", 64],
  ["F64", 64],
  ["I64", 64],
  ["U64", 64],
]);

/** The 8-byte length, then `{` and either `"` or `}` (after optional spaces). */
export function looksLikeSafetensors(head: Uint8Array): boolean {
  if (head.length < 10) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = view.getBigUint64(0, true);
  if (n < 2n || n >= 1n << 48n || head[8] !== 0x7b) return false;
  for (let i = 9; i < head.length; i++) {
    const c = head[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x22 || c === 0x7d;
  }
  return true;
}

interface Entry {
  name: string;
  begin: number;
  end: number;
}

type Examples = Record<string, unknown>[];

class Collector {
  readonly groups = new Map<string, Examples>();
  add(rule: string, example: Record<string, unknown>): void {
    const list = this.groups.get(rule) ?? [];
    this.groups.set(rule, list);
    list.push(example);
  }
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Checks a parsed header against a data region of `dataLength` bytes. */
export function checkHeader(header: Record<string, unknown>, dataLength: number): Collector {
  const found = new Collector();
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      const ok =
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === "string");
      if (!ok)
        found.add("safetensors.bad-metadata", {
          problem: "__metadata__ is not a string→string map",
        });
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      found.add("safetensors.bad-entry", { tensor: name, problem: "entry is not an object" });
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== "string") {
      found.add("safetensors.bad-entry", { tensor: name, problem: "dtype is not a string" });
      continue;
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      found.add("safetensors.bad-entry", {
        tensor: name,
        problem: "shape is not a list of non-negative integers",
      });
      continue;
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !isNonNegativeInteger(offsets[0]) ||
      !isNonNegativeInteger(offsets[1]) ||
      offsets[0] > offsets[1]
    ) {
      found.add("safetensors.bad-entry", {
        tensor: name,
        problem: "data_offsets is not [begin, end] with 0 ≤ begin ≤ end",
      });
      continue;
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) {
      found.add("safetensors.tensor-out-of-range", { tensor: name, begin, end, dataLength });
      continue;
    }
    entries.push({ name, begin, end });
    const bits = DTYPE_BITS.get(dtype);
    if (bits === undefined) {
      found.add("safetensors.unknown-dtype", { tensor: name, dtype });
      continue;
    }
    const totalBits = shape.reduce((n: bigint, d: number) => n * BigInt(d), 1n) * BigInt(bits);
    if (totalBits % 8n !== 0n || totalBits / 8n !== BigInt(end - begin)) {
      found.add("safetensors.size-mismatch", {
        tensor: name,
        dtype,
        shape,
        expectedBytes: (totalBits / 8n).toString(),
        actualBytes: end - begin,
      });
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const entry of entries) {
    if (previous !== undefined && entry.begin < covered) {
      found.add("safetensors.tensor-overlap", {
        tensor: entry.name,
        overlaps: previous.name,
        begin: entry.begin,
        previousEnd: covered,
      });
    } else if (entry.begin > covered) {
      found.add("safetensors.data-gap", { before: entry.name, begin: covered, end: entry.begin });
    }
    if (entry.end > covered) {
      covered = entry.end;
      previous = entry;
    }
  }
  if (covered < dataLength) {
    found.add("safetensors.data-gap", {
      after: previous?.name ?? null,
      begin: covered,
      end: dataLength,
    });
  }
  return found;
}

const RULES: Record<string, Pick<ScanIssue, "severity" | "title" | "reason">> = {
  "safetensors.tensor-out-of-range": {
    severity: "high",
    title: "Tensor data offsets point past the end of the file",
    reason:
      "A tensor claims bytes the file does not have. The reference loader rejects this, but parsers that trust offsets read out of bounds; that is what such a header is built for. Do not load the file; get it again from its source.",
  },
  "safetensors.tensor-overlap": {
    severity: "high",
    title: "Tensors overlap in the data region",
    reason:
      "Two tensors share bytes. The reference loader rejects this; loaders that map tensors straight from the file alias memory between them, which parser exploits rely on. Do not load the file.",
  },
  "safetensors.data-gap": {
    severity: "medium",
    title: "Bytes in the data region belong to no tensor",
    reason:
      "The reference loader requires the tensors to cover the data region exactly. Bytes no tensor accounts for are where a payload rides along unnoticed; re-export the file from its source.",
  },
  "safetensors.size-mismatch": {
    severity: "medium",
    title: "Tensor byte range does not match its shape and dtype",
    reason:
      "data_offsets disagree with shape × dtype size, so loaders reject the tensor or read it wrongly. Re-export the file from its source.",
  },
  "safetensors.unknown-dtype": {
    severity: "medium",
    title: "Tensor has a dtype safetensors does not define",
    reason:
      "Loaders cannot size or read this tensor. Either the file comes from a newer writer or it is crafted; get it from a trusted source.",
  },
  "safetensors.bad-entry": {
    severity: "medium",
    title: "Header entry is not a valid tensor description",
    reason:
      "Each tensor needs a string dtype, a list of non-negative integer dims and [begin, end] offsets. Loaders reject or misread malformed entries; re-export the file.",
  },
  "safetensors.bad-metadata": {
    severity: "medium",
    title: "__metadata__ is not a map of strings",
    reason:
      "The spec allows only string→string metadata. Other values break strict loaders and can smuggle structured content; re-export the file.",
  },
};

function malformedHeader(
  title: string,
  evidence: Record<string, unknown>,
  severity: "high" | "medium",
): ScanIssue {
  return {
    rule: severity === "high" ? "safetensors.header-length" : "safetensors.header-invalid",
    severity,
    title,
    reason:
      severity === "high"
        ? "The header length is impossible for this file. The reference loader rejects it; parsers that trust it allocate or read out of bounds, which is what such a header targets. Do not load the file."
        : "The header is not a JSON object as the spec requires, so the file cannot load and its tensors cannot be checked. Get the file again from its source.",
    offset: 0,
    evidence,
    threats: MALFORMED_ARTIFACT,
  };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export const safetensorsScanner: FormatScanner = {
  format: "safetensors",
  description: "safetensors weights: header sanity, tensor offsets, dtypes and metadata",
  detect(head) {
    return looksLikeSafetensors(head);
  },
  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const { source } = input;
    const prefix = await source.read(0, 8);
    if (prefix.length < 8) {
      ctx.report(
        malformedHeader(
          "File is shorter than the 8-byte header length",
          { size: source.size },
          "medium",
        ),
      );
      return;
    }
    const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
    if (n > BigInt(source.size - 8) || n > BigInt(MAX_HEADER)) {
      ctx.report(
        malformedHeader(
          `Header length ${n} exceeds ${n > BigInt(MAX_HEADER) ? "the 100 MB limit" : "the file"}`,
          { headerLength: n.toString(), size: source.size, limit: MAX_HEADER },
          "high",
        ),
      );
      return;
    }
    const length = Number(n);
    const bytes = await source.read(8, length);
    let header: unknown;
    try {
      const text = strictUtf8.decode(bytes);
      if (!text.startsWith("{")) throw new SyntaxError("header does not start with {");
      header = JSON.parse(text);
    } catch (error) {
      ctx.report(
        malformedHeader(
          "Header is not valid UTF-8 JSON",
          { headerLength: length, error: String(error) },
          "medium",
        ),
      );
      return;
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) {
      ctx.report(
        malformedHeader("Header is not a JSON object", { headerLength: length }, "medium"),
      );
      return;
    }
    const found = checkHeader(header as Record<string, unknown>, source.size - 8 - length);
    for (const [rule, examples] of found.groups) {
      const meta = RULES[rule]!;
      ctx.report({
        rule,
        ...meta,
        title: `${meta.title} (${examples.length})`,
        offset: 8,
        evidence: { count: examples.length, examples: examples.slice(0, MAX_EXAMPLES) },
        threats: MALFORMED_ARTIFACT,
      });
    }
  },
};
