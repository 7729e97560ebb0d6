import { runPickle } from "./vm.js";

/**
 * Cheap content sniffing for pickles. Protocol 2+ streams open with PROTO (0x80) and a version
 * 2–5 (PEP 307). Protocol 0/1 streams have no header, so a plausible first opcode (what
 * pickle.dumps emits first: MARK, EMPTY_LIST/DICT/TUPLE, GLOBAL, INT, STRING, UNICODE, NONE …)
 * must be followed by a short parse, with importable-looking global names: plain text, JSON
 * (`{`/`[` are not opcodes), CSV and source code fail within a few opcodes. A parse that
 * breaks still counts when it imported something or ran to the end of the input: a payload
 * followed by garbage must reach the scanner. Defaults: 64 opcodes over at most 4 KiB.
 */

const PROBE_OPS = 64;
const PROBE_BYTES = 4096;
const PROTOCOL_0_1_FIRST = new Set([..."(]}).cILFSVNGJKMTUXP"].map((c) => c.charCodeAt(0)));
const DOTTED_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Does `head` (the first bytes of an input of `size` bytes) start like a pickle? Never throws.
 */
export function looksLikePickle(head: Uint8Array, size: number = head.length): boolean {
  if (head.length < 2) return false;
  const first = head[0]!;
  if (first === 0x80) {
    const version = head[1]!;
    return version >= 2 && version <= 5;
  }
  return PROTOCOL_0_1_FIRST.has(first) && probe(head, size);
}

/** Does the input start like a pickle at `offset` (stacked pickles, trailing data)? */
export function startsLikePickle(
  bytes: Uint8Array,
  offset: number,
  end: number = bytes.length,
): boolean {
  return looksLikePickle(bytes.subarray(offset, Math.min(end, offset + PROBE_BYTES)), end - offset);
}

function probe(head: Uint8Array, size: number): boolean {
  const window = head.length > PROBE_BYTES ? head.subarray(0, PROBE_BYTES) : head;
  const result = runPickle(window, 0, window.length, {
    maxOps: PROBE_OPS,
    maxStack: 4096,
    maxMemo: 4096,
    maxContainerItems: 8,
    maxRecords: 16,
    maxPersistentIds: 16,
  });
  for (const use of result.globals.values()) {
    if (
      use.via === undefined &&
      !(DOTTED_IDENTIFIER.test(use.module) && DOTTED_IDENTIFIER.test(use.name))
    ) {
      return false;
    }
  }
  const error = result.error;
  if (result.complete || error?.kind === "limit") return true;
  if (error === undefined) return false;
  const parsed = result.ops - 1;
  if (error.kind === "truncated") {
    // Ran out of head: fine when the input goes on, unless a length points past its end.
    if (window.length < size) return parsed >= 2 && !pointsPastEnd(window, error.offset, size);
    // Cut short at the end of the input (no STOP): still a pickle, and a broken one.
    return parsed >= 3;
  }
  // Broke after importing something: the payload-then-garbage case must still be scanned.
  return parsed >= 3 && result.globals.size > 0;
}

/** A length-prefixed opcode at `offset` whose length exceeds what the whole input holds. */
function pointsPastEnd(head: Uint8Array, offset: number, size: number): boolean {
  const code = head[offset];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const remaining = size - offset;
  if (offset + 5 <= head.length && (code === 0x54 || code === 0x58 || code === 0x42)) {
    return view.getUint32(offset + 1, true) > remaining;
  }
  if (
    offset + 9 <= head.length &&
    (code === 0x8d || code === 0x8e || code === 0x96 || code === 0x95)
  ) {
    const low = view.getUint32(offset + 1, true);
    const high = view.getUint32(offset + 5, true);
    return high > 0 || low > remaining;
  }
  return false;
}
