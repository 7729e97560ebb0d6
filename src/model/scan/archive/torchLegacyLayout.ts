import type { ByteSource } from "../byteSource.js";
import { TORCH_STORAGE_ELEMENT_SIZE } from "../torchStorage.js";
import { BufferedReader } from "./bufferedReader.js";
import { asInt, type PyValue, walkPickle } from "./pickleWalker.js";

/**
 * The `storages` and `tensors` members of PyTorch's legacy tar checkpoint
 * (torch/serialization.py `legacy_load`) are stacked pickles with raw bytes between them:
 *
 *   storages: pickle(n), then n × [pickle((key, location, storage_type)), int64 numel,
 *             numel × element_size bytes], then pickle(storage_views)
 *   tensors:  pickle(n), then n × [pickle((key, storage_id, tensor_type)), int32 ndim,
 *             4 unused bytes, ndim × int64 sizes, ndim × int64 strides, int64 offset]
 *
 * This returns the pickle ranges, so the pickle analyser gets every pickle torch.load runs and
 * none of the raw bytes.
 */

const ELEMENT_SIZE = TORCH_STORAGE_ELEMENT_SIZE;

const MAX_RECORDS = 1_000_000;

export type LegacyMember = "storages" | "tensors";

export class LegacyLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LegacyLayoutError";
  }
}

/** Throws (PickleWalkError, LegacyLayoutError) when the member does not follow the layout. */
export async function locateLegacyPickles(
  member: LegacyMember,
  source: ByteSource,
): Promise<{ offset: number; size: number }[]> {
  const reader = new BufferedReader(source);
  const ranges: { offset: number; size: number }[] = [];
  const pickle = async (): Promise<PyValue> => {
    const start = reader.position;
    const { value, end } = await walkPickle(reader);
    ranges.push({ offset: start, size: end - start });
    return value;
  };
  const count = asInt(await pickle());
  if (count === undefined || count < 0n || count > BigInt(MAX_RECORDS)) {
    throw new LegacyLayoutError("record count is not a small integer");
  }
  for (let i = 0; i < Number(count); i++) {
    const args = await pickle();
    if (member === "storages") {
      const type = args.kind === "tuple" ? args.items[2] : undefined;
      const size = type?.kind === "global" ? ELEMENT_SIZE[type.name] : undefined;
      if (size === undefined) throw new LegacyLayoutError("unknown storage type");
      const numel = await reader.u64();
      const bytes = numel * size;
      if (!Number.isSafeInteger(bytes) || bytes > reader.remaining) {
        throw new LegacyLayoutError("storage runs past the end of the member");
      }
      reader.skip(bytes);
    } else {
      const ndim = (await reader.u32()) | 0;
      if (ndim < 0 || ndim > 64) throw new LegacyLayoutError("implausible tensor rank");
      const bytes = 4 + 16 * ndim + 8;
      if (bytes > reader.remaining) throw new LegacyLayoutError("tensor record runs past the end");
      reader.skip(bytes);
    }
  }
  if (member === "storages") await pickle();
  return ranges;
}
