import { analyzePickle, type PickleAnalysis } from "../pickle/analyze.js";
import { latin1 } from "../pickle/decode.js";
import { startsLikePickle } from "../pickle/detect.js";
import { analyzePickleStream } from "../pickle/stream.js";
import { isContainer, type Value } from "../pickle/values.js";
import type { ScanPolicy } from "../policy/index.js";
import { MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import { TORCH_STORAGE_ELEMENT_SIZE } from "../torchStorage.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";
import { tooLarge } from "./pickle.js";

/**
 * PyTorch's legacy `torch.save` format (`_use_new_zipfile_serialization=False`, the only
 * format before PyTorch 1.6), from torch/serialization.py `_legacy_save`/`_legacy_load`:
 * five pickles back to back — the magic number 0x1950a86a20f9469cfc6c, the protocol version
 * (1001), a sys_info dict, the object itself (tensors as persistent ids
 * `('storage', type, key, location, numel)`, full modules as `('module', cls, file, source)`),
 * the sorted list of storage keys — then the raw storages, each an 8-byte little-endian element
 * count and the element bytes. torch.load unpickles all five with a full unpickler, so every
 * one of them is judged; the storage bytes are walked (never parsed as pickle) and must end
 * where the file ends. Pickles are read into memory up to `limits.maxInMemoryBytes`.
 */

/** 0x1950a86a20f9469cfc6c as LONG1's little-endian bytes. */
const MAGIC = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const MAGIC_DECIMAL = "119547037146038801333356";
const PROTOCOL_VERSION = 1001;
const FIRST_READ = 16 * 1024 * 1024;
const MAX_KEYS = 1_000_000;

const ELEMENT_SIZE = TORCH_STORAGE_ELEMENT_SIZE;

/** Offset just past the magic-number pickle, or undefined when `head` does not start with it. */
export function legacyMagicEnd(head: Uint8Array): number | undefined {
  let pos = 0;
  if (head[0] === 0x80) {
    if ((head[1] ?? 99) > 5) return undefined;
    pos = 2;
  }
  if (head[pos] === 0x95) pos += 9; // FRAME (protocol 4+)
  if (head[pos] === 0x8a && head[pos + 1] === MAGIC.length) {
    for (let i = 0; i < MAGIC.length; i++) if (head[pos + 2 + i] !== MAGIC[i]) return undefined;
    pos += 2 + MAGIC.length;
  } else if (head[pos] === 0x4c || head[pos] === 0x49) {
    // LONG / INT text (protocols 0 and 1)
    const nl = head.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > 40) return undefined;
    const text = latin1(head.subarray(pos + 1, nl)).replace(/L$/, "");
    if (text !== MAGIC_DECIMAL) return undefined;
    pos = nl + 1;
  } else {
    return undefined;
  }
  return head[pos] === 0x2e ? pos + 1 : undefined;
}

export const pytorchLegacyScanner: FormatScanner = {
  format: "pytorch-legacy",
  description:
    "PyTorch legacy torch.save file (pre-1.6 format: stacked pickles + raw storages): every pickle simulated, storages walked",

  detect(head: Uint8Array): boolean {
    return legacyMagicEnd(head) !== undefined;
  },

  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const size = input.source.size;
    const pickles = await readPickles(input, ctx);
    if (pickles === undefined) return;
    const { results, bytes } = pickles;
    for (const result of results) for (const issue of result.issues) ctx.report(issue);
    const complete = results.length === 5 && results.every((r) => r.complete);
    if (!complete) {
      ctx.progress?.(size);
      return;
    }
    const version = results[1]?.vm.value;
    if (version !== PROTOCOL_VERSION) {
      ctx.report({
        rule: "pytorch-legacy.bad-header",
        severity: "low",
        title: `legacy PyTorch file with protocol version ${JSON.stringify(version ?? null)} instead of ${PROTOCOL_VERSION}`,
        reason:
          "torch.load refuses this header after it has already unpickled the first pickles. A real torch.save never writes it, so the file was built by hand.",
        offset: results[1]?.vm.start ?? 0,
        evidence: { version: typeof version === "number" ? version : null },
        threats: MALFORMED_ARTIFACT,
      });
    }
    const storageStart = results[4]?.end ?? bytes.length;
    for (const issue of await walkStorages(input, ctx, results, storageStart)) ctx.report(issue);
    ctx.progress?.(size);
  },
};

/**
 * Reads enough of the file to hold the five pickles, growing the buffer while a pickle runs
 * past it, and simulates them. Reports and returns undefined when they do not fit the limit.
 */
async function readPickles(
  input: ScanInput,
  ctx: ScanContext,
): Promise<{ results: PickleAnalysis[]; bytes: Uint8Array } | undefined> {
  const size = input.source.size;
  const limit = ctx.limits.maxInMemoryBytes;
  let length = Math.min(size, FIRST_READ, limit);
  for (;;) {
    const bytes = await input.source.read(0, length);
    const results = runFive(bytes, ctx.policy);
    const last = results[results.length - 1];
    const ranOut = last !== undefined && !last.complete && last.vm.error?.kind === "truncated";
    if (!ranOut || length >= size) return { results, bytes };
    if (length >= limit) {
      ctx.report(tooLarge("pytorch-legacy", size, limit));
      return undefined;
    }
    length = Math.min(size, limit, length * 4);
  }
}

function runFive(bytes: Uint8Array, policy: ScanPolicy): PickleAnalysis[] {
  const results: PickleAnalysis[] = [];
  let pos = 0;
  for (let i = 0; i < 5 && pos < bytes.length; i++) {
    // The storage-key list is read in full so the storages can be walked.
    const limits = i === 4 ? { maxContainerItems: MAX_KEYS } : {};
    const result = analyzePickle(bytes, pos, policy, { limits });
    results.push(result);
    if (!result.complete) break;
    pos = result.end;
  }
  return results;
}

interface StorageInfo {
  type: string;
  numel: number | undefined;
}

/** Storages declared by the model pickle's persistent ids, by key. */
function declaredStorages(model: PickleAnalysis): Map<string, StorageInfo> {
  const storages = new Map<string, StorageInfo>();
  for (const { pid } of model.vm.persistentIds) {
    if (!isContainer(pid) || pid.kind !== "tuple" || pid.items[0] !== "storage") continue;
    const type = pid.items[1];
    const key = pid.items[2];
    const numel = pid.items[4];
    if (
      typeof key !== "string" ||
      type === null ||
      typeof type !== "object" ||
      type.kind !== "global"
    )
      continue;
    storages.set(key, { type: type.name, numel: typeof numel === "number" ? numel : undefined });
  }
  return storages;
}

function storageKeys(value: Value | undefined): string[] | undefined {
  if (!isContainer(value) || value.kind !== "list" || value.items.length !== value.size)
    return undefined;
  const keys = value.items.filter((k): k is string => typeof k === "string");
  return keys.length === value.size ? keys : undefined;
}

async function walkStorages(
  input: ScanInput,
  ctx: ScanContext,
  results: PickleAnalysis[],
  start: number,
): Promise<ScanIssue[]> {
  const size = input.source.size;
  const keys = storageKeys(results[4]?.vm.value);
  const model = results[3];
  if (keys === undefined || model === undefined) {
    return [
      layoutIssue(
        "pytorch-legacy.storage-layout",
        "medium",
        start,
        "the storage-key list (fifth pickle) is not a list of strings",
        "torch.load expects the fifth pickle to list the storage keys; without it the raw bytes after the pickles cannot be matched to tensors.",
      ),
    ];
  }
  const declared = declaredStorages(model);
  const issues: ScanIssue[] = [];
  let cursor = start;
  for (const key of keys) {
    if (cursor + 8 > size) {
      issues.push(
        layoutIssue(
          "pytorch-legacy.storage-truncated",
          "medium",
          cursor,
          `storage ${JSON.stringify(key)} is missing: the file ends at ${size}`,
          "The file ends before all the storages the pickles declare; it was truncated or altered.",
        ),
      );
      return issues;
    }
    const header = await input.source.read(cursor, 8);
    const view = new DataView(header.buffer, header.byteOffset, 8);
    const numel = view.getUint32(4, true) * 0x1_0000_0000 + view.getUint32(0, true);
    const info = declared.get(key);
    const elementSize = info === undefined ? undefined : ELEMENT_SIZE[info.type];
    if (info === undefined || elementSize === undefined) {
      issues.push(
        layoutIssue(
          "pytorch-legacy.storage-layout",
          "low",
          cursor,
          info === undefined
            ? `storage ${JSON.stringify(key)} is not referenced by the model pickle`
            : `storage ${JSON.stringify(key)} has unknown type ${info.type}`,
          "The raw storage region cannot be walked past this point, so its size could not be checked against the file.",
        ),
      );
      return issues;
    }
    if (info.numel !== undefined && info.numel !== numel) {
      issues.push(
        layoutIssue(
          "pytorch-legacy.storage-layout",
          "medium",
          cursor,
          `storage ${JSON.stringify(key)} holds ${numel} elements, the pickle declares ${info.numel}`,
          "The raw storage does not match what the model pickle declares. torch.load trusts the raw count; a mismatch means the file was altered after saving.",
        ),
      );
    }
    cursor += 8 + numel * elementSize;
  }
  if (cursor > size) {
    issues.push(
      layoutIssue(
        "pytorch-legacy.storage-truncated",
        "medium",
        size,
        `the storages need ${cursor} bytes, the file has ${size}`,
        "The file ends inside the raw storages; it was truncated or altered.",
      ),
    );
  } else if (cursor < size) {
    issues.push(...(await judgeTrailing(input, ctx, cursor)));
  }
  return issues;
}

/** Bytes after the last storage: torch.load never reads them, another tool might. */
async function judgeTrailing(
  input: ScanInput,
  ctx: ScanContext,
  offset: number,
): Promise<ScanIssue[]> {
  const length = input.source.size - offset;
  const head = await input.source.read(offset, Math.min(length, 4096));
  const pickleLike = startsLikePickle(head, 0, length);
  const issues: ScanIssue[] = [
    layoutIssue(
      "pytorch-legacy.trailing-data",
      pickleLike ? "medium" : "low",
      offset,
      `${length} bytes after the last storage${pickleLike ? ", starting like a pickle" : ""}`,
      "torch.load stops after the storages and never reads these bytes, so they are a place to hide a payload for another loader, or a polyglot file. A real torch.save leaves nothing there.",
    ),
  ];
  if (pickleLike && length <= ctx.limits.maxInMemoryBytes) {
    const tail = await input.source.read(offset, length);
    for (const issue of analyzePickleStream(tail, ctx.policy).issues) {
      issues.push({
        ...issue,
        offset: offset + (issue.offset ?? 0),
        title: `after the storages: ${issue.title}`,
      });
    }
  }
  return issues;
}

function layoutIssue(
  rule: string,
  severity: ScanIssue["severity"],
  offset: number,
  title: string,
  reason: string,
): ScanIssue {
  return {
    rule,
    severity,
    title,
    reason: `${reason} Ask the publisher for an intact copy, preferably safetensors.`,
    offset,
    evidence: { offset },
    threats: severity === "low" ? MALFORMED_ARTIFACT : UNSAFE_ARTIFACT,
  };
}
