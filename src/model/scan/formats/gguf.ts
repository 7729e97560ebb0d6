import { owaspLlm } from "../../../core/index.js";
import type { ByteSource } from "../byteSource.js";
import { CODE_EXECUTION, MALFORMED_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";

/**
 * GGUF models (llama.cpp). Source spec: ggml docs/gguf.md: magic "GGUF", uint32 version
 * (1..3; version 1 used uint32 counts and lengths, later versions uint64), tensor count,
 * metadata KV count, the KVs (key string, uint32 value type, value; arrays carry an element
 * type and a count), tensor infos (name, uint32 n_dims, dims, uint32 ggml type, uint64 offset
 * relative to the data section), then the data section aligned to `general.alignment`
 * (default 32). Block sizes per ggml type follow ggml's type traits.
 *
 * Two kinds of danger: a header whose counts and lengths are impossible for the file (the
 * llama.cpp GGUF parser CVEs were integer overflows and out-of-bounds reads driven by exactly
 * these), and a chat template (`tokenizer.chat_template*`) that Python serving stacks render
 * with Jinja2, where a template reaching Python internals is server-side template injection,
 * that is code execution on the server.
 *
 * Defaults: at most 4 dims per tensor (GGML_MAX_DIMS); keys and tensor names up to 64 KiB;
 * chat templates read up to 16 MiB; arrays nested at most 2 deep; a budget of 50 million
 * metadata values; a 1 MiB read window. Tensor data is never read.
 */

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4;
const MAX_NAME = 65_536;
const MAX_TEMPLATE = 16 * 1024 * 1024;
const MAX_ARRAY_DEPTH = 2;
const VALUE_BUDGET = 50_000_000;
const WINDOW = 1 << 20;
const MAX_EXAMPLES = 10;
const INT64_MAX = (1n << 63n) - 1n;

const TYPE_STRING = 8;
const TYPE_ARRAY = 9;
/** Byte size of each scalar GGUF value type. */
const SCALAR_SIZE = new Map<number, number>([
  [0, 1], // UINT8
  [1, 1], // INT8
  [2, 2], // UINT16
  [3, 2], // INT16
  [4, 4], // UINT32
  [5, 4], // INT32
  [6, 4], // FLOAT32
  [7, 1], // BOOL
  [10, 8], // UINT64
  [11, 8], // INT64
  [12, 8], // FLOAT64
]);

/** ggml types still defined: [name, elements per block, bytes per block]. */
const GGML_TYPES = new Map<number, [string, number, number]>([
  [0, ["F32", 1, 4]],
  [1, ["F16", 1, 2]],
  [2, ["Q4_0", 32, 18]],
  [3, ["Q4_1", 32, 20]],
  [6, ["Q5_0", 32, 22]],
  [7, ["Q5_1", 32, 24]],
  [8, ["Q8_0", 32, 34]],
  [9, ["Q8_1", 32, 36]],
  [10, ["Q2_K", 256, 84]],
  [11, ["Q3_K", 256, 110]],
  [12, ["Q4_K", 256, 144]],
  [13, ["Q5_K", 256, 176]],
  [14, ["Q6_K", 256, 210]],
  [15, ["Q8_K", 256, 292]],
  [16, ["IQ2_XXS", 256, 66]],
  [17, ["IQ2_XS", 256, 74]],
  [18, ["IQ3_XXS", 256, 98]],
  [19, ["IQ1_S", 256, 50]],
  [20, ["IQ4_NL", 32, 18]],
  [21, ["IQ3_S", 256, 110]],
  [22, ["IQ2_S", 256, 82]],
  [23, ["IQ4_XS", 256, 136]],
  [24, ["I8", 1, 1]],
  [25, ["I16", 1, 2]],
  [26, ["I32", 1, 4]],
  [27, ["I64", 1, 8]],
  [28, ["F64", 1, 8]],
  [29, ["IQ1_M", 256, 56]],
  [30, ["BF16", 1, 2]],
  [34, ["TQ1_0", 256, 54]],
  [35, ["TQ2_0", 256, 66]],
  [39, ["MXFP4", 32, 17]],
]);

/**
 * Template fragments that reach Python objects from Jinja2: dunder attributes, the globals
 * that expose `__init__.__globals__` (cycler, joiner, lipsum, namespace), process and eval
 * calls, and the attr() filter or escapes used to build dunder names past naive filters.
 * Normal chat templates (loops over messages, raise_exception, add_generation_prompt,
 * namespace(...) for state) contain none of these.
 */
const SSTI_INDICATORS: readonly [string, RegExp][] = [
  ["__class__", /__class__/],
  ["__mro__ / mro()", /__mro__|\.mro\s*\(/],
  ["__subclasses__", /__subclasses__/],
  ["__globals__", /__globals__/],
  ["__builtins__", /__builtins__|\bbuiltins\b/],
  ["__import__", /__import__/],
  ["__init__", /__init__/],
  ["__base__", /__bases?__/],
  ["__getattribute__ / __dict__", /__getattribute__|__dict__/],
  ["__code__ / __func__ / __self__", /__code__|__func__|__self__/],
  ["__reduce__", /__reduce(_ex)?__/],
  ["os module", /(?<![\w.])os\s*\.\s*[A-Za-z_]/],
  ["popen", /\bpopen\b/i],
  ["subprocess", /\bsubprocess\b/],
  ["eval()", /\beval\s*\(/],
  ["exec()", /\bexec\s*\(/],
  ["getattr / globals()", /\bgetattr\b|\bglobals\s*\(/],
  ["sys.modules", /\bsys\s*\.\s*modules\b/],
  ["cycler global", /\bcycler\b/],
  ["joiner global", /\bjoiner\b/],
  ["lipsum global", /\blipsum\b/],
  ["template context internals", /_TemplateReference__context|\brequest\s*\.\s*application\b/],
  // attr() with anything but a plain identifier literal: concatenation, variables, dunders.
  ["attr() filter with a computed name", /\|\s*attr\s*\(\s*(?!["'][A-Za-z][A-Za-z0-9]*["']\s*\))/],
  ["escaped underscore", /\\x5f|\\u005f|\\U0000005f|\\137/i],
  ["underscore built by repetition", /["']_["']\s*\*\s*\d/],
];

export interface TemplateIndicator {
  indicator: string;
  index: number;
}

/** The SSTI indicators a template contains, with the offset of each first match. */
export function templateIndicators(template: string): TemplateIndicator[] {
  const found: TemplateIndicator[] = [];
  for (const [indicator, pattern] of SSTI_INDICATORS) {
    const match = pattern.exec(template);
    if (match !== null) found.push({ indicator, index: match.index });
  }
  return found;
}

function isTemplateKey(key: string): boolean {
  return key.includes("chat_template");
}

export function looksLikeGguf(head: Uint8Array): boolean {
  return (
    head.length >= 8 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46
  );
}

/** Stops the parse: the header cannot be read past this point. */
class Stop extends Error {
  constructor(readonly issue: ScanIssue) {
    super(issue.title);
  }
}

/** Sequential reads through a window, in the file's byte order. */
class Cursor {
  pos = 0;
  private window: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private windowStart = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly little: boolean,
  ) {}

  get remaining(): number {
    return this.source.size - this.pos;
  }

  /** Index into the window of `n` bytes at `pos`; the caller has checked they exist. */
  private async at(n: number): Promise<number> {
    const end = this.windowStart + this.window.length;
    if (this.pos < this.windowStart || this.pos + n > end) {
      this.window = await this.source.read(this.pos, Math.max(n, WINDOW));
      this.view = new DataView(this.window.buffer, this.window.byteOffset, this.window.byteLength);
      this.windowStart = this.pos;
      if (this.window.length < n) throw new RangeError("read past the end of the input");
    }
    const index = this.pos - this.windowStart;
    this.pos += n;
    return index;
  }

  // The index is awaited first: `at` may replace the view.
  async u32(): Promise<number> {
    const index = await this.at(4);
    return this.view.getUint32(index, this.little);
  }

  async u64(): Promise<bigint> {
    const index = await this.at(8);
    return this.view.getBigUint64(index, this.little);
  }

  async bytes(n: number): Promise<Uint8Array> {
    if (n > WINDOW) {
      const out = await this.source.read(this.pos, n);
      this.pos += n;
      return out;
    }
    const index = await this.at(n);
    return this.window.slice(index, index + n);
  }

  skip(n: number): void {
    this.pos += n;
  }
}

interface TensorInfo {
  name: string;
  type: number;
  offset: bigint;
  bytes?: bigint;
}

const utf8 = new TextDecoder("utf-8");

function issue(
  rule: string,
  severity: ScanIssue["severity"],
  title: string,
  reason: string,
  evidence: Record<string, unknown>,
  offset?: number,
): ScanIssue {
  return { rule, severity, title, reason, offset, evidence, threats: MALFORMED_ARTIFACT };
}

const IMPOSSIBLE_REASON =
  "The header claims more than the file can hold. llama.cpp's GGUF parser has had integer-overflow and out-of-bounds CVEs driven by exactly such counts and lengths; do not load the file in any GGUF reader, and get it again from a trusted source.";

class GgufParse {
  readonly issues: ScanIssue[] = [];
  private readonly cursor: Cursor;
  private version = 0;
  private alignment = DEFAULT_ALIGNMENT;
  private budget = VALUE_BUDGET;
  private readonly keys = new Set<string>();
  private readonly duplicateKeys: string[] = [];

  constructor(
    private readonly source: ByteSource,
    little: boolean,
  ) {
    this.cursor = new Cursor(source, little);
  }

  private count(): Promise<bigint> {
    return this.version === 1 ? this.cursor.u32().then(BigInt) : this.cursor.u64();
  }

  /** A length or count that must fit in what is left of the file, `unit` bytes each. */
  private async length(what: string, unit: number): Promise<number> {
    const at = this.cursor.pos;
    const n = await this.count();
    if (n * BigInt(unit) > BigInt(this.cursor.remaining)) {
      throw new Stop(
        issue(
          "gguf.bad-length",
          "high",
          `${what} of ${n} runs past the end of the file`,
          IMPOSSIBLE_REASON,
          { what, length: n.toString(), remaining: this.cursor.remaining },
          at,
        ),
      );
    }
    return Number(n);
  }

  private async string(what: string, max: number): Promise<string> {
    const at = this.cursor.pos;
    const n = await this.length(what, 1);
    if (n > max) {
      throw new Stop(
        issue(
          "gguf.bad-length",
          "high",
          `${what} is ${n} bytes long`,
          IMPOSSIBLE_REASON,
          { what, length: n, limit: max },
          at,
        ),
      );
    }
    return utf8.decode(await this.cursor.bytes(n));
  }

  private spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0) {
      throw new Stop(
        issue(
          "gguf.scan-incomplete",
          "medium",
          "The metadata holds more values than the scan budget; the rest was not scanned",
          "Real GGUF metadata (vocabularies included) stays far below this budget. A header this large is built to be slow to parse or to hide content past what a scanner reads; treat the file as untrusted.",
          { budget: VALUE_BUDGET },
          this.cursor.pos,
        ),
      );
    }
  }

  private badType(type: number, key: string, at: number): Stop {
    return new Stop(
      issue(
        "gguf.bad-value-type",
        "high",
        `Metadata value "${key}" has invalid type ${type}`,
        "The value type is not one GGUF defines (or arrays nest deeper than readers support), so no reader can continue past it; parsers that do not check it read garbage lengths. Do not load the file.",
        { key, type },
        at,
      ),
    );
  }

  async parse(version: number): Promise<void> {
    this.version = version;
    this.cursor.skip(8);
    const countsAt = this.cursor.pos;
    const tensorCount = await this.count();
    const kvCount = await this.count();
    // Smallest possible entries: a KV is a key length, a type and a 1-byte value; a tensor
    // info is a name length, n_dims, a type and an offset.
    const lengthSize = version === 1 ? 4 : 8;
    const minKv = BigInt(lengthSize + 4 + 1);
    const minTensor = BigInt(lengthSize + 4 + 4 + 8);
    const need = kvCount * minKv + tensorCount * minTensor;
    if (need > BigInt(this.cursor.remaining)) {
      throw new Stop(
        issue(
          "gguf.impossible-count",
          "high",
          `Header claims ${tensorCount} tensors and ${kvCount} metadata entries, more than the file can hold`,
          IMPOSSIBLE_REASON,
          {
            tensorCount: tensorCount.toString(),
            kvCount: kvCount.toString(),
            minimumBytes: need.toString(),
            remaining: this.cursor.remaining,
          },
          countsAt,
        ),
      );
    }
    for (let i = 0n; i < kvCount; i++) await this.kv();
    if (this.duplicateKeys.length > 0) {
      this.issues.push(
        issue(
          "gguf.duplicate-key",
          "medium",
          `Metadata keys appear more than once (${this.duplicateKeys.length})`,
          "llama.cpp rejects duplicate keys; other readers keep the first or the last, so two readers see different models (a template or tokenizer swapped behind a reviewer's back).",
          { keys: this.duplicateKeys.slice(0, MAX_EXAMPLES) },
        ),
      );
    }
    const tensors: TensorInfo[] = [];
    for (let i = 0n; i < tensorCount; i++) tensors.push(await this.tensorInfo());
    this.layout(tensors);
  }

  private async kv(): Promise<void> {
    const at = this.cursor.pos;
    const key = await this.string("metadata key length", MAX_NAME);
    if (this.keys.has(key)) this.duplicateKeys.push(key);
    else this.keys.add(key);
    const type = await this.cursor.u32();
    if (key === "general.alignment") {
      if (type !== 4) {
        this.issues.push(this.alignmentIssue(`type ${type}`, at));
      } else {
        const value = await this.cursor.u32();
        if (value === 0 || (value & (value - 1)) !== 0) {
          this.issues.push(this.alignmentIssue(String(value), at));
        } else {
          this.alignment = value;
        }
        return;
      }
    }
    await this.value(key, type, 0, at);
  }

  private alignmentIssue(value: string, at: number): ScanIssue {
    return issue(
      "gguf.bad-alignment",
      "medium",
      `general.alignment is ${value}, not a power-of-two uint32`,
      "llama.cpp rejects such an alignment; readers that accept it compute tensor offsets differently from each other. Get the file from a trusted source.",
      { alignment: value },
      at,
    );
  }

  private async value(key: string, type: number, depth: number, at: number): Promise<void> {
    this.spend(1);
    const size = SCALAR_SIZE.get(type);
    if (size !== undefined) {
      if (size > this.cursor.remaining) throw new RangeError("value past the end of the input");
      this.cursor.skip(size);
      return;
    }
    if (type === TYPE_STRING) {
      await this.stringValue(key);
      return;
    }
    if (type !== TYPE_ARRAY || depth >= MAX_ARRAY_DEPTH) throw this.badType(type, key, at);
    const elementType = await this.cursor.u32();
    const elementSize = SCALAR_SIZE.get(elementType);
    if (elementSize !== undefined) {
      const n = await this.length(`array "${key}"`, elementSize);
      this.cursor.skip(n * elementSize);
      return;
    }
    if (elementType !== TYPE_STRING && elementType !== TYPE_ARRAY) {
      throw this.badType(elementType, key, at);
    }
    // Each string or nested array takes at least a length field.
    const n = await this.length(`array "${key}"`, this.version === 1 ? 4 : 8);
    for (let i = 0; i < n; i++) {
      if (elementType === TYPE_STRING) {
        this.spend(1);
        await this.stringValue(key);
      } else {
        await this.value(key, TYPE_ARRAY, depth + 1, at);
      }
    }
  }

  private async stringValue(key: string): Promise<void> {
    const at = this.cursor.pos;
    const n = await this.length(`string in "${key}"`, 1);
    if (!isTemplateKey(key)) {
      this.cursor.skip(n);
      return;
    }
    const text = utf8.decode(await this.cursor.bytes(Math.min(n, MAX_TEMPLATE)));
    this.cursor.skip(n - Math.min(n, MAX_TEMPLATE));
    const found = templateIndicators(text);
    if (found.length === 0) return;
    const first = found.reduce((a, b) => (b.index < a.index ? b : a));
    this.issues.push({
      rule: "gguf.chat-template-injection",
      severity: "critical",
      title: `Chat template "${key}" reaches Python internals (${found.map((f) => f.indicator).join(", ")})`,
      reason:
        "Serving stacks (transformers, vLLM, llama-cpp-python, TGI) render this template with Jinja2. These constructs walk from template objects to Python's builtins, which is server-side template injection: code execution on the inference server at the first chat request. Do not serve the model; replace the template with the publisher's known-good one.",
      offset: at,
      evidence: {
        key,
        indicators: found.map((f) => f.indicator),
        excerpt: text.slice(Math.max(0, first.index - 40), first.index + 80),
        templateLength: n,
      },
      threats: [...CODE_EXECUTION, owaspLlm("LLM03")],
    });
  }

  private async tensorInfo(): Promise<TensorInfo> {
    const at = this.cursor.pos;
    const name = await this.string("tensor name length", MAX_NAME);
    const nDims = await this.cursor.u32();
    if (nDims > MAX_DIMS) {
      throw new Stop(
        issue(
          "gguf.bad-dims",
          "high",
          `Tensor "${name}" declares ${nDims} dimensions (ggml supports ${MAX_DIMS})`,
          IMPOSSIBLE_REASON,
          { tensor: name, nDims },
          at,
        ),
      );
    }
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) {
      dims.push(this.version === 1 ? BigInt(await this.cursor.u32()) : await this.cursor.u64());
    }
    const type = await this.cursor.u32();
    const offset = await this.cursor.u64();
    const elements = dims.reduce((a, b) => a * b, 1n);
    if (dims.some((d) => d > INT64_MAX) || elements > INT64_MAX) {
      throw new Stop(
        issue(
          "gguf.bad-dims",
          "high",
          `Tensor "${name}" has dimensions that overflow 64-bit sizes`,
          IMPOSSIBLE_REASON,
          { tensor: name, dims: dims.map(String) },
          at,
        ),
      );
    }
    const traits = GGML_TYPES.get(type);
    if (traits === undefined) {
      this.issues.push(
        issue(
          "gguf.unknown-tensor-type",
          "medium",
          `Tensor "${name}" has unknown ggml type ${type}`,
          "No ggml build defines this type, so readers cannot size the tensor; either the file is from a much newer writer or it is crafted. Get it from a trusted source.",
          { tensor: name, type },
          at,
        ),
      );
      return { name, type, offset };
    }
    const [typeName, block, blockBytes] = traits;
    const rowElements = dims[0] ?? 1n;
    if (rowElements % BigInt(block) !== 0n) {
      this.issues.push(
        issue(
          "gguf.bad-dims",
          "medium",
          `Tensor "${name}" rows are not a whole number of ${typeName} blocks`,
          "llama.cpp rejects a tensor whose first dimension is not a multiple of its type's block size; a reader that accepts it computes a different size.",
          { tensor: name, dims: dims.map(String), type: typeName, blockSize: block },
          at,
        ),
      );
      return { name, type, offset };
    }
    return { name, type, offset, bytes: (elements / BigInt(block)) * BigInt(blockBytes) };
  }

  private layout(tensors: TensorInfo[]): void {
    const align = BigInt(this.alignment);
    const pad = (n: bigint): bigint => ((n + align - 1n) / align) * align;
    const dataStart = pad(BigInt(this.cursor.pos));
    const dataLength = BigInt(this.source.size) - dataStart;
    const names = new Set<string>();
    const duplicates: string[] = [];
    const outOfRange: Record<string, unknown>[] = [];
    const misaligned: Record<string, unknown>[] = [];
    const sized: (TensorInfo & { bytes: bigint })[] = [];
    for (const t of tensors) {
      if (names.has(t.name)) duplicates.push(t.name);
      names.add(t.name);
      if (t.offset % align !== 0n) misaligned.push({ tensor: t.name, offset: t.offset.toString() });
      if (t.bytes === undefined) continue;
      if (t.offset + t.bytes > dataLength) {
        outOfRange.push({
          tensor: t.name,
          offset: t.offset.toString(),
          bytes: t.bytes.toString(),
          dataLength: dataLength.toString(),
        });
      } else {
        sized.push({ ...t, bytes: t.bytes });
      }
    }
    const dataOffset = Number(dataStart);
    if (duplicates.length > 0) {
      this.issues.push(
        issue(
          "gguf.duplicate-tensor",
          "medium",
          `Tensor names appear more than once (${duplicates.length})`,
          "llama.cpp rejects duplicate tensor names; other readers pick one, so two readers load different weights.",
          { tensors: duplicates.slice(0, MAX_EXAMPLES) },
        ),
      );
    }
    if (outOfRange.length > 0) {
      this.issues.push(
        issue(
          "gguf.tensor-out-of-range",
          "high",
          `Tensor data runs past the end of the file (${outOfRange.length} tensor${outOfRange.length === 1 ? "" : "s"})`,
          "Offsets or sizes point beyond the data section. Readers that map tensors from the file read out of bounds, which is what a crafted header aims for; a truncated download looks the same. Do not load the file; fetch it again and compare its hash.",
          { count: outOfRange.length, tensors: outOfRange.slice(0, MAX_EXAMPLES) },
          dataOffset,
        ),
      );
    }
    if (misaligned.length > 0) {
      this.issues.push(
        issue(
          "gguf.tensor-misaligned",
          "medium",
          `Tensor offsets are not multiples of the ${this.alignment}-byte alignment (${misaligned.length})`,
          "llama.cpp rejects misaligned tensors; readers that accept them disagree on where tensor data lies.",
          { count: misaligned.length, tensors: misaligned.slice(0, MAX_EXAMPLES) },
          dataOffset,
        ),
      );
    }
    this.coverage(sized, pad, dataLength, dataOffset);
  }

  private coverage(
    tensors: (TensorInfo & { bytes: bigint })[],
    pad: (n: bigint) => bigint,
    dataLength: bigint,
    dataOffset: number,
  ): void {
    tensors.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    const overlaps: Record<string, unknown>[] = [];
    const gaps: Record<string, unknown>[] = [];
    let covered = 0n;
    let previous: string | undefined;
    for (const t of tensors) {
      if (t.offset < covered) {
        overlaps.push({ tensor: t.name, overlaps: previous, offset: t.offset.toString() });
      } else if (t.offset > pad(covered)) {
        gaps.push({ before: t.name, from: covered.toString(), to: t.offset.toString() });
      }
      if (t.offset + t.bytes > covered) {
        covered = t.offset + t.bytes;
        previous = t.name;
      }
    }
    if (overlaps.length > 0) {
      this.issues.push(
        issue(
          "gguf.tensor-overlap",
          "high",
          `Tensors overlap in the data section (${overlaps.length})`,
          "Two tensors share bytes. llama.cpp requires tensors laid out one after another; overlapping ones alias memory in readers that map the file, which crafted files exploit. Do not load the file.",
          { count: overlaps.length, tensors: overlaps.slice(0, MAX_EXAMPLES) },
          dataOffset,
        ),
      );
    }
    if (gaps.length > 0) {
      this.issues.push(
        issue(
          "gguf.data-gap",
          "medium",
          `The data section has bytes between tensors that no tensor uses (${gaps.length})`,
          "Beyond alignment padding, unused bytes between tensors are where a payload rides along unnoticed, and llama.cpp rejects such a layout. Get the file from a trusted source.",
          { count: gaps.length, gaps: gaps.slice(0, MAX_EXAMPLES) },
          dataOffset,
        ),
      );
    }
    if (tensors.length > 0 && dataLength > pad(covered)) {
      this.issues.push(
        issue(
          "gguf.trailing-data",
          "low",
          "Bytes follow the last tensor",
          "Nothing in the model refers to these bytes. Readers ignore them, which makes them a place to carry a payload; check where the file came from.",
          { from: covered.toString(), dataLength: dataLength.toString() },
          dataOffset,
        ),
      );
    }
  }
}

export const ggufScanner: FormatScanner = {
  format: "gguf",
  description: "GGUF models (llama.cpp): header counts and lengths, tensor layout, chat templates",
  detect(head) {
    return looksLikeGguf(head);
  },
  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const { source } = input;
    const head = await source.read(0, 8);
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (head.length < 8 || view.getUint32(0, true) !== MAGIC) return;
    // Big-endian GGUF files exist (s390x); their version reads as 0x0N000000 here.
    const le = view.getUint32(4, true);
    const be = view.getUint32(4, false);
    const little = le >= 1 && le <= 3;
    const version = little ? le : be;
    if (version < 1 || version > 3) {
      ctx.report(
        issue(
          "gguf.bad-version",
          "medium",
          `Unsupported GGUF version ${le}`,
          "GGUF versions are 1 to 3. Readers refuse other versions, and the rest of the header cannot be checked; get the file from a trusted source.",
          { version: le },
          4,
        ),
      );
      return;
    }
    const parse = new GgufParse(source, little);
    try {
      await parse.parse(version);
    } catch (error) {
      if (error instanceof Stop) parse.issues.push(error.issue);
      else if (error instanceof RangeError) {
        parse.issues.push(
          issue(
            "gguf.bad-length",
            "high",
            "The header runs past the end of the file",
            IMPOSSIBLE_REASON,
            { size: source.size },
          ),
        );
      } else throw error;
    }
    for (const found of parse.issues) ctx.report(found);
  },
};
