/**
 * Writes safetensors bytes (README format section: u64 LE header length, JSON header, data),
 * with hooks to lie about the length or write a header that is not JSON. Test support only.
 */

export interface SafetensorsOptions {
  /** Header length to write instead of the real one. */
  headerLength?: bigint;
  /** Pad the header with spaces to a multiple of 8, as the reference writer does. */
  pad?: boolean;
}

const utf8 = new TextEncoder();

export function safetensorsFile(
  header: Record<string, unknown> | string | Uint8Array,
  data: Uint8Array | number,
  options: SafetensorsOptions = {},
): Uint8Array {
  let text =
    header instanceof Uint8Array
      ? header
      : utf8.encode(typeof header === "string" ? header : JSON.stringify(header));
  if (options.pad ?? true) {
    const padded = new Uint8Array(text.length + ((8 - (text.length % 8)) % 8)).fill(0x20);
    padded.set(text);
    text = padded;
  }
  const payload = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + payload.length);
  new DataView(out.buffer).setBigUint64(0, options.headerLength ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(payload, 8 + text.length);
  return out;
}

/** Header entries laid out back to back: [name, dtype, shape, bytes]. */
export function contiguous(tensors: readonly [string, string, readonly number[], number][]): {
  header: Record<string, unknown>;
  dataLength: number;
} {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const [name, dtype, shape, bytes] of tensors) {
    header[name] = { dtype, shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  return { header, dataLength: at };
}
