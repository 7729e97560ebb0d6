import type { ByteSource } from "../byteSource.js";
import { BufferedReader } from "./bufferedReader.js";
import {
  asInt,
  asString,
  dictGet,
  isGlobal,
  PickleWalkError,
  type PyValue,
  walkPickle,
} from "./pickleWalker.js";

/**
 * Where the pickle ends and the arrays begin in a joblib file (joblib/numpy_pickle.py,
 * `NumpyPickler.save` and `NumpyArrayWrapper.write_array`/`read_array`, joblib 0.10–1.x).
 * joblib pickles each ndarray as a `NumpyArrayWrapper(subclass, shape, order, dtype,
 * allow_mmap, numpy_array_alignment_bytes)` and writes the array right after that object's
 * BUILD opcode, inside the pickle stream: one padding-length byte and that many 0xFF bytes when
 * `numpy_array_alignment_bytes` is set (joblib ≥ 1.2), then `prod(shape) × itemsize` raw bytes
 * — or, for an object dtype, a whole protocol-2 pickle of the array. The loader
 * (`NumpyUnpickler.load_build`) reads them back at the same point.
 *
 * The layout lists the pickle ranges (which, joined, form a valid pickle: the arrays are all
 * the loader reads outside the opcodes) and the array ranges.
 */

export interface JoblibArray {
  offset: number;
  size: number;
  /** `raw` bytes (padding included), or a nested `pickle` for object arrays. */
  kind: "raw" | "pickle";
  shape: number[];
  dtype: string;
}

export interface JoblibLayout {
  /** Ranges that, joined, are the pickle stream without the arrays. */
  pickle: { offset: number; size: number }[];
  arrays: JoblibArray[];
  /** Offset just past the final STOP. */
  end: number;
}

const WRAPPER_MODULE = /^(joblib|sklearn\.externals\.joblib)\.numpy_pickle$/;

export class JoblibLayoutError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "JoblibLayoutError";
  }
}

/** Throws PickleWalkError or JoblibLayoutError when the stream cannot be laid out. */
export async function locateJoblibArrays(source: ByteSource): Promise<JoblibLayout> {
  const reader = new BufferedReader(source, 0, source.size, 256 * 1024);
  const pickle: JoblibLayout["pickle"] = [];
  const arrays: JoblibArray[] = [];
  let segmentStart = 0;
  const result = await walkPickle(reader, {
    async afterBuild(built) {
      if (
        built.kind !== "object" ||
        !isGlobal(built.callable, WRAPPER_MODULE, "NumpyArrayWrapper")
      ) {
        return undefined;
      }
      const state = built.state;
      const dtype = describeDtype(dictGet(state, "dtype"));
      const shape = shapeOf(dictGet(state, "shape"));
      const at = reader.position;
      if (dtype === undefined || shape === undefined) {
        throw new JoblibLayoutError("NumpyArrayWrapper without a readable shape or dtype", at);
      }
      pickle.push({ offset: segmentStart, size: at - segmentStart });
      if (dtype.hasObject) {
        const nested = await walkPickle(reader);
        arrays.push({
          offset: at,
          size: nested.end - at,
          kind: "pickle",
          shape,
          dtype: dtype.descr,
        });
      } else {
        let padding = 0;
        const alignment = asInt(dictGet(state, "numpy_array_alignment_bytes"));
        if (alignment !== undefined) padding = 1 + (await reader.u8());
        const count = shape.reduce((a, b) => a * BigInt(b), 1n);
        const bytes = count * BigInt(dtype.itemsize) + BigInt(padding);
        if (bytes > BigInt(source.size - at)) {
          throw new JoblibLayoutError(
            `array of ${bytes} bytes runs past the end of the stream`,
            at,
          );
        }
        reader.position = at + Number(bytes);
        arrays.push({ offset: at, size: Number(bytes), kind: "raw", shape, dtype: dtype.descr });
      }
      segmentStart = reader.position;
      return { kind: "opaque" };
    },
  });
  pickle.push({ offset: segmentStart, size: result.end - segmentStart });
  return { pickle, arrays, end: result.end };
}

interface DtypeInfo {
  descr: string;
  itemsize: number;
  hasObject: boolean;
}

/**
 * A pickled numpy.dtype: `dtype(typestr, align, copy)` then BUILD with the state tuple
 * `(version, byteorder, subdescr, names, fields, elsize, alignment, flags[, metadata])`.
 * elsize is set for flexible and structured types; flags bit 0 is NPY_ITEM_HASOBJECT.
 */
function describeDtype(value: PyValue | undefined): DtypeInfo | undefined {
  if (
    value?.kind !== "object" ||
    value.callable.kind !== "global" ||
    value.callable.name !== "dtype"
  ) {
    return undefined;
  }
  const args = value.args;
  const typestr = args?.kind === "tuple" ? asString(args.items[0]) : undefined;
  if (typestr === undefined) return undefined;
  const state = value.state?.kind === "tuple" ? value.state.items : [];
  const elsize = asInt(state[5]);
  const flags = asInt(state[7]) ?? 0n;
  const digits = /^[A-Za-z?]+(\d+)/.exec(typestr)?.[1];
  const itemsize =
    elsize !== undefined && elsize > 0n ? Number(elsize) : digits ? Number(digits) : Number.NaN;
  if (!Number.isFinite(itemsize) || itemsize < 0) return undefined;
  return { descr: typestr, itemsize, hasObject: typestr.startsWith("O") || (flags & 1n) === 1n };
}

function shapeOf(value: PyValue | undefined): number[] | undefined {
  if (value?.kind !== "tuple" || value.truncated) return undefined;
  const dims: number[] = [];
  for (const item of value.items) {
    const n = asInt(item);
    if (n === undefined || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    dims.push(Number(n));
  }
  return dims;
}

export { PickleWalkError };
