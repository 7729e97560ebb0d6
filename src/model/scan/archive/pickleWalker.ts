import { type BufferedReader, TruncatedError } from "./bufferedReader.js";

/**
 * A small symbolic pickle machine (protocols 0–5, after CPython's Lib/pickle.py loader) for the
 * container scanners that must find where a pickle ends or what a few of its values are: the
 * raw arrays joblib writes between opcodes, the stacked pickles of PyTorch's legacy tar format.
 * It builds values but calls nothing; judging what a pickle would do is the pickle analyser's
 * job, and everything found here is handed to it. Containers keep at most MAX_ITEMS items and
 * strings at most MAX_TEXT characters, so a large pickle costs bounded memory.
 */

export type PyValue =
  | { kind: "none" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  /** `value` is undefined when the string was too long to keep. */
  | { kind: "str"; value: string | undefined }
  | { kind: "bytes"; length: number }
  | { kind: "tuple" | "list" | "set" | "frozenset"; items: PyValue[]; truncated: boolean }
  | { kind: "dict"; entries: [PyValue, PyValue][]; truncated: boolean }
  | { kind: "global"; module: string; name: string }
  | { kind: "object"; callable: PyValue; args: PyValue | undefined; state: PyValue | undefined }
  | { kind: "persistent"; id: PyValue }
  | { kind: "opaque" };

export class PickleWalkError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = "PickleWalkError";
  }
}

export interface WalkHooks {
  /**
   * Runs after each BUILD with the built value, the reader positioned just after the opcode.
   * It may consume bytes that follow (joblib's raw arrays) and return a value to replace the
   * built one on the stack.
   */
  afterBuild?(built: PyValue, reader: BufferedReader): Promise<PyValue | undefined>;
}

export interface WalkResult {
  /** The value STOP returned. */
  value: PyValue;
  /** Offset just past the STOP opcode. */
  end: number;
  protocol: number;
}

export const MAX_ITEMS = 4096;
const MAX_TEXT = 1024;
const MAX_LINE = 64 * 1024;
const MAX_OPCODES = 50_000_000;

const NONE: PyValue = { kind: "none" };
const OPAQUE: PyValue = { kind: "opaque" };

type Slot = PyValue;

/** Walks one pickle from the reader's position to its STOP. */
export async function walkPickle(
  reader: BufferedReader,
  hooks: WalkHooks = {},
): Promise<WalkResult> {
  const start = reader.position;
  let stack: Slot[] = [];
  const metastack: Slot[][] = [];
  const memo = new Map<number, Slot>();
  let protocol = 0;
  let opcodes = 0;
  let at = start;

  const fail = (message: string): never => {
    throw new PickleWalkError(message, at);
  };
  const pop = (): Slot => {
    const value = stack.pop();
    if (value === undefined) fail("stack underflow");
    return value!;
  };
  const top = (): Slot => {
    const value = stack[stack.length - 1];
    if (value === undefined) fail("stack underflow");
    return value!;
  };
  const popMark = (): Slot[] => {
    const items = stack;
    const previous = metastack.pop();
    if (previous === undefined) fail("no MARK to pop to");
    stack = previous!;
    return items;
  };
  const line = async (): Promise<string> => {
    let text = "";
    for (;;) {
      const chunk = await reader.peek(Math.min(4096, reader.remaining));
      if (chunk === undefined || chunk.length === 0) fail("unterminated line argument");
      const newline = chunk!.indexOf(0x0a);
      const take = newline === -1 ? chunk!.length : newline;
      text += latin1(chunk!.subarray(0, take));
      reader.skip(newline === -1 ? take : take + 1);
      if (newline !== -1) return text;
      if (text.length > MAX_LINE) fail("line argument too long");
    }
  };
  const text = async (length: number, utf8: boolean): Promise<PyValue> => {
    if (!Number.isFinite(length) || length > reader.remaining) fail("string runs past the end");
    if (length > MAX_TEXT) {
      reader.skip(length);
      return { kind: "str", value: undefined };
    }
    const b = await reader.bytes(length);
    return { kind: "str", value: utf8 ? new TextDecoder().decode(b) : latin1(b) };
  };
  const blob = (length: number): PyValue => {
    if (!Number.isFinite(length) || length > reader.remaining) fail("bytes run past the end");
    reader.skip(length);
    return { kind: "bytes", length };
  };
  const int = (value: bigint | number): PyValue => ({ kind: "int", value: BigInt(value) });
  const seq = (kind: "tuple" | "list" | "set" | "frozenset", items: Slot[]): PyValue => ({
    kind,
    items: items.slice(0, MAX_ITEMS),
    truncated: items.length > MAX_ITEMS,
  });
  const addItems = (target: Slot, items: Slot[]) => {
    if (target.kind === "list" || target.kind === "set") {
      for (const item of items) {
        if (target.items.length < MAX_ITEMS) target.items.push(item);
        else target.truncated = true;
      }
    }
  };
  const setItems = (target: Slot, items: Slot[]) => {
    if (items.length % 2 !== 0) fail("odd number of items for a dict");
    if (target.kind !== "dict") return;
    for (let i = 0; i < items.length; i += 2) {
      if (target.entries.length < MAX_ITEMS) target.entries.push([items[i]!, items[i + 1]!]);
      else target.truncated = true;
    }
  };
  const global = (module: string, name: string): PyValue => ({ kind: "global", module, name });

  try {
    for (;;) {
      at = reader.position;
      if (++opcodes > MAX_OPCODES) fail("too many opcodes");
      const op = await reader.u8();
      switch (op) {
        case 0x80: // PROTO
          protocol = await reader.u8();
          break;
        case 0x95: // FRAME: frames only batch reads; the opcodes inside are read as usual
          await reader.u64();
          break;
        case 0x2e: // STOP
          return { value: pop(), end: reader.position, protocol };
        case 0x28: // MARK
          metastack.push(stack);
          stack = [];
          break;
        case 0x30: // POP
          if (stack.length > 0) stack.pop();
          else popMark();
          break;
        case 0x31: // POP_MARK
          popMark();
          break;
        case 0x32: // DUP
          stack.push(top());
          break;
        case 0x4e: // NONE
          stack.push(NONE);
          break;
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
          stack.push({ kind: "bool", value: op === 0x88 });
          break;
        case 0x49: {
          // INT (protocol 0 writes booleans as 00/01)
          const s = await line();
          if (s === "00" || s === "01") stack.push({ kind: "bool", value: s === "01" });
          else stack.push(int(parseDecimal(s) ?? fail("bad INT")));
          break;
        }
        case 0x4c: // LONG
          stack.push(int(parseDecimal((await line()).replace(/L$/, "")) ?? fail("bad LONG")));
          break;
        case 0x4a: {
          // BININT
          const v = await reader.u32();
          stack.push(int(v | 0));
          break;
        }
        case 0x4b: // BININT1
          stack.push(int(await reader.u8()));
          break;
        case 0x4d: // BININT2
          stack.push(int(await reader.u16()));
          break;
        case 0x8a: // LONG1
        case 0x8b: {
          // LONG4
          const n = op === 0x8a ? await reader.u8() : await reader.u32();
          if (n > reader.remaining) fail("LONG runs past the end");
          if (n > 64) {
            reader.skip(n);
            stack.push(OPAQUE);
          } else {
            stack.push(int(littleSigned(await reader.bytes(n))));
          }
          break;
        }
        case 0x46: // FLOAT
          stack.push({ kind: "float", value: Number.parseFloat(await line()) });
          break;
        case 0x47: {
          // BINFLOAT
          const b = await reader.bytes(8);
          stack.push({
            kind: "float",
            value: new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false),
          });
          break;
        }
        case 0x53: // STRING
        case 0x56: {
          // UNICODE
          const s = await line();
          stack.push({ kind: "str", value: s.length > MAX_TEXT ? undefined : s });
          break;
        }
        case 0x54: // BINSTRING
          stack.push(await text(await reader.u32(), false));
          break;
        case 0x55: // SHORT_BINSTRING
          stack.push(await text(await reader.u8(), false));
          break;
        case 0x58: // BINUNICODE
          stack.push(await text(await reader.u32(), true));
          break;
        case 0x8c: // SHORT_BINUNICODE
          stack.push(await text(await reader.u8(), true));
          break;
        case 0x8d: // BINUNICODE8
          stack.push(await text(await reader.u64(), true));
          break;
        case 0x42: // BINBYTES
          stack.push(blob(await reader.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          stack.push(blob(await reader.u8()));
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          stack.push(blob(await reader.u64()));
          break;
        case 0x97: // NEXT_BUFFER
          stack.push(OPAQUE);
          break;
        case 0x98: // READONLY_BUFFER
          top();
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push(seq("tuple", []));
          break;
        case 0x85: // TUPLE1
          stack.push(seq("tuple", [pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = pop();
          stack.push(seq("tuple", [pop(), b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = pop();
          const b = pop();
          stack.push(seq("tuple", [pop(), b, c]));
          break;
        }
        case 0x74: {
          // TUPLE (popMark swaps `stack`, so it must run before `stack.push` is looked up)
          const items = popMark();
          stack.push(seq("tuple", items));
          break;
        }
        case 0x5d: // EMPTY_LIST
          stack.push(seq("list", []));
          break;
        case 0x6c: {
          // LIST
          const items = popMark();
          stack.push(seq("list", items));
          break;
        }
        case 0x61: {
          // APPEND
          const v = pop();
          addItems(top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = popMark();
          addItems(top(), items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          stack.push({ kind: "dict", entries: [], truncated: false });
          break;
        case 0x64: {
          // DICT
          const d: PyValue = { kind: "dict", entries: [], truncated: false };
          const items = popMark();
          setItems(d, items);
          stack.push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = pop();
          const k = pop();
          setItems(top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = popMark();
          setItems(top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          stack.push(seq("set", []));
          break;
        case 0x90: {
          // ADDITEMS
          const items = popMark();
          addItems(top(), items);
          break;
        }
        case 0x91: {
          // FROZENSET
          const items = popMark();
          stack.push(seq("frozenset", items));
          break;
        }
        case 0x63: {
          // GLOBAL
          const module = await line();
          stack.push(global(module, await line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = pop();
          const module = pop();
          if (module.kind !== "str" || name.kind !== "str") fail("STACK_GLOBAL needs two strings");
          stack.push(
            global(
              (module as { value?: string }).value ?? "?",
              (name as { value?: string }).value ?? "?",
            ),
          );
          break;
        }
        case 0x69: {
          // INST
          const module = await line();
          const name = await line();
          const args = popMark();
          stack.push({
            kind: "object",
            callable: global(module, name),
            args: seq("tuple", args),
            state: undefined,
          });
          break;
        }
        case 0x6f: {
          // OBJ
          const items = popMark();
          const callable = items.shift() ?? fail("OBJ without a class");
          stack.push({ kind: "object", callable, args: seq("tuple", items), state: undefined });
          break;
        }
        case 0x52: {
          // REDUCE
          const args = pop();
          const callable = pop();
          stack.push({ kind: "object", callable, args, state: undefined });
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = pop();
          const callable = pop();
          stack.push({ kind: "object", callable, args, state: undefined });
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          pop();
          const args = pop();
          const callable = pop();
          stack.push({ kind: "object", callable, args, state: undefined });
          break;
        }
        case 0x62: {
          // BUILD
          const state = pop();
          const target = top();
          if (target.kind === "object") target.state = state;
          if (hooks.afterBuild) {
            const replacement = await hooks.afterBuild(target, reader);
            if (replacement !== undefined) {
              stack.pop();
              stack.push(replacement);
            }
          }
          break;
        }
        case 0x50: // PERSID
          stack.push({ kind: "persistent", id: { kind: "str", value: await line() } });
          break;
        case 0x51: // BINPERSID
          stack.push({ kind: "persistent", id: pop() });
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
          reader.skip(op === 0x82 ? 1 : op === 0x83 ? 2 : 4);
          stack.push(OPAQUE);
          break;
        case 0x70: // PUT
          memo.set(Number(parseDecimal(await line()) ?? fail("bad PUT")), top());
          break;
        case 0x71: // BINPUT
          memo.set(await reader.u8(), top());
          break;
        case 0x72: // LONG_BINPUT
          memo.set(await reader.u32(), top());
          break;
        case 0x94: // MEMOIZE
          memo.set(memo.size, top());
          break;
        case 0x67: // GET
        case 0x68: // BINGET
        case 0x6a: {
          // LONG_BINGET
          const index =
            op === 0x67
              ? Number(parseDecimal(await line()) ?? fail("bad GET"))
              : op === 0x68
                ? await reader.u8()
                : await reader.u32();
          const value = memo.get(index);
          if (value === undefined) fail(`memo ${index} is not set`);
          stack.push(value!);
          break;
        }
        default:
          fail(`unknown opcode 0x${op.toString(16)}`);
      }
    }
  } catch (error) {
    if (error instanceof TruncatedError)
      throw new PickleWalkError("pickle ends before STOP", reader.position);
    throw error;
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function parseDecimal(s: string): bigint | undefined {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  return BigInt(t);
}

function littleSigned(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v;
}

/** Helpers for the callers that read values back. */
export function dictGet(value: PyValue | undefined, key: string): PyValue | undefined {
  if (value?.kind !== "dict") return undefined;
  for (const [k, v] of value.entries) if (k.kind === "str" && k.value === key) return v;
  return undefined;
}

export function asString(value: PyValue | undefined): string | undefined {
  return value?.kind === "str" ? value.value : undefined;
}

export function asInt(value: PyValue | undefined): bigint | undefined {
  if (value?.kind === "int") return value.value;
  if (value?.kind === "bool") return value.value ? 1n : 0n;
  return undefined;
}

export function isGlobal(
  value: PyValue | undefined,
  module: string | RegExp,
  name: string,
): boolean {
  if (value?.kind !== "global" || value.name !== name) return false;
  return typeof module === "string" ? value.module === module : module.test(value.module);
}
