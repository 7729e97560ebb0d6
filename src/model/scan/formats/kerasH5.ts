import { closeSync, openSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { devNull, tmpdir } from "node:os";
import { join } from "node:path";
import type { ByteSource } from "../byteSource.js";
import { MALFORMED_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";
import { analyzeKerasConfig, parseKerasJson, unparseable } from "./kerasConfig.js";

/**
 * Keras HDF5 models (`.h5`, `.hdf5`, and `model.weights.h5` inside `.keras` archives). Source
 * spec: the Keras saving format docs (legacy H5 format: the root attributes `model_config` and
 * `training_config` hold the model and compile configs as JSON; `keras_version`, `backend`)
 * and the HDF5 file format specification (superblock signature `\x89HDF\r\n\x1a\n` at offset
 * 0 or after a user block of 512, 1024, 2048 … bytes).
 *
 * The configs are analysed exactly like a `.keras` config.json (analyzeKerasConfig): Lambda
 * layers in an H5 model run on load in every Keras 2 and tf.keras release. A weights-only file
 * has no model_config and yields no issue.
 *
 * HDF5 is read with h5wasm (libhdf5 compiled to WebAssembly), never by hand: its object
 * headers, heaps and B-trees are too intricate to re-implement safely. Its Node build reads the
 * host filesystem only, so the input is copied to a private temporary directory that is
 * removed afterwards. Defaults: inputs over limits.maxExpandedBytes are not copied; each
 * attribute is read up to 256 MiB (and limits.maxInMemoryBytes); libhdf5's error printing is
 * pointed at the null device while it runs, so a corrupt file costs an issue, not a screen of
 * diagnostics (Emscripten's own one-line "Aborted(...)" still goes to the console).
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const CONFIG_ATTRIBUTES = ["model_config", "training_config"] as const;
const MAX_ATTRIBUTE_BYTES = 256 * 1024 * 1024;
const COPY_CHUNK = 8 * 1024 * 1024;

function signatureAt(head: Uint8Array, offset: number): boolean {
  return SIGNATURE.every((byte, i) => head[offset + i] === byte);
}

/** The HDF5 signature at 0 or at any user-block offset (512 × 2^n) inside the head. */
export function looksLikeHdf5(head: Uint8Array): boolean {
  if (signatureAt(head, 0)) return true;
  for (let offset = 512; offset + SIGNATURE.length <= head.length; offset *= 2) {
    if (signatureAt(head, offset)) return true;
  }
  return false;
}

type H5 = typeof import("h5wasm/node");

/** WebAssembly instances of libhdf5 created so far; each costs its heap for the process. */
const MAX_INSTANCES = 4;
let instances = 0;
let loading: Promise<H5> | undefined;

function loadH5(): Promise<H5> {
  loading ??= (async () => {
    instances++;
    // A distinct module URL evaluates h5wasm again, which creates a fresh WebAssembly instance.
    const h5: H5 =
      instances === 1
        ? await import("h5wasm/node")
        : await import(`${import.meta.resolve("h5wasm/node")}?instance=${instances}`);
    await h5.ready;
    return h5;
  })();
  return loading;
}

/**
 * libhdf5 calls abort() on some corrupt files; Emscripten turns that into a RuntimeError
 * ("Aborted(...)") and the instance's heap may be left inconsistent, so the next scan gets a
 * fresh instance (up to MAX_INSTANCES, then the old one is kept and errors stay issues).
 */
function discardIfAborted(error: unknown): void {
  if (error instanceof Error && error.message.includes("Aborted(") && instances < MAX_INSTANCES) {
    loading = undefined;
  }
}

/** Emscripten's stream for a file descriptor; `nfd` is the host descriptor (NODERAWFS). */
interface EmscriptenFs {
  getStream?(fd: number): { nfd?: number } | null | undefined;
}

/** Runs `fn` with libhdf5's stderr sent to the null device. */
function quietly<T>(h5: H5, fn: () => T): T {
  const stream = (h5.FS as unknown as EmscriptenFs | null)?.getStream?.(2);
  if (stream === null || stream === undefined || typeof stream.nfd !== "number") return fn();
  const saved = stream.nfd;
  const sink = openSync(devNull, "w");
  stream.nfd = sink;
  try {
    return fn();
  } finally {
    stream.nfd = saved;
    closeSync(sink);
  }
}

async function withTempCopy<T>(source: ByteSource, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "rampart-h5-"));
  try {
    const path = join(dir, "input.h5");
    const handle = await open(path, "wx", 0o600);
    try {
      for (let offset = 0; offset < source.size; offset += COPY_CHUNK) {
        const chunk = await source.read(offset, Math.min(COPY_CHUNK, source.size - offset));
        await handle.write(chunk, 0, chunk.length, offset);
      }
    } finally {
      await handle.close();
    }
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type AttributeText =
  | { kind: "text"; text: string }
  | { kind: "too-large"; bytes: number }
  | { kind: "not-text" };

const utf8 = new TextDecoder("utf-8");

/** Reads the named root attributes as text; absent attributes are absent from the map. */
function readRootAttributes(
  h5: H5,
  path: string,
  names: readonly string[],
  maxBytes: number,
): Map<string, AttributeText> {
  const out = new Map<string, AttributeText>();
  const file = new h5.File(path, "r");
  if (file.file_id < 0n) throw new Error("libhdf5 could not open the file");
  try {
    const attrs = file.attrs;
    for (const name of names) {
      if (!Object.hasOwn(attrs, name)) continue;
      const attribute = attrs[name]!;
      const { metadata } = attribute;
      const bytes = (metadata.total_size ?? 1) * (metadata.size ?? 0);
      if (!metadata.vlen && bytes > maxBytes) {
        out.set(name, { kind: "too-large", bytes });
        continue;
      }
      let value = attribute.value;
      // A one-element array of strings is how some writers store a scalar string.
      if (Array.isArray(value) && value.length === 1) value = value[0]!;
      if (typeof value === "string") out.set(name, { kind: "text", text: value });
      else if (value instanceof Uint8Array)
        out.set(name, { kind: "text", text: utf8.decode(value) });
      else out.set(name, { kind: "not-text" });
    }
  } finally {
    file.close();
  }
  return out;
}

/** Reads `model_config` and `training_config` from an HDF5 file's root group. */
export async function readKerasAttributes(
  source: ByteSource,
  maxBytes: number,
): Promise<Map<string, AttributeText>> {
  const h5 = await loadH5();
  return withTempCopy(source, async (path) => {
    try {
      return quietly(h5, () => readRootAttributes(h5, path, CONFIG_ATTRIBUTES, maxBytes));
    } catch (error) {
      discardIfAborted(error);
      throw error;
    }
  });
}

function unreadable(error: unknown, size: number): ScanIssue {
  return {
    rule: "keras-h5.unreadable",
    severity: "medium",
    title: "HDF5 file could not be scanned",
    reason:
      "libhdf5 could not open the file or read its root attributes, so its model config (and any Lambda layer in it) was not checked. A corrupt or crafted HDF5 file may still load in another reader; do not load it until it has been checked another way.",
    evidence: { error: String(error).split("\n")[0]?.slice(0, 300), size },
    threats: MALFORMED_ARTIFACT,
  };
}

export const kerasH5Scanner: FormatScanner = {
  format: "keras-h5",
  description: "Keras HDF5 models (.h5): model_config and training_config, as for .keras configs",
  detect(head) {
    return looksLikeHdf5(head);
  },
  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const { source } = input;
    if (source.size > ctx.limits.maxExpandedBytes) {
      ctx.report({
        rule: "keras-h5.too-large",
        severity: "medium",
        title: `HDF5 file of ${source.size} bytes exceeds the scan limit; not scanned`,
        reason:
          "Reading an HDF5 model means copying it for libhdf5, and this one is over limits.maxExpandedBytes. Its model config was not checked; raise the limit or inspect the file's model_config attribute with h5py before loading it.",
        evidence: { size: source.size, limit: ctx.limits.maxExpandedBytes },
        threats: MALFORMED_ARTIFACT,
      });
      return;
    }
    let attributes: Map<string, AttributeText>;
    try {
      attributes = await readKerasAttributes(
        source,
        Math.min(MAX_ATTRIBUTE_BYTES, ctx.limits.maxInMemoryBytes),
      );
    } catch (error) {
      ctx.report(unreadable(error, source.size));
      return;
    }
    for (const [origin, value] of attributes) {
      if (value.kind === "too-large") {
        ctx.report({
          rule: "keras-h5.too-large",
          severity: "medium",
          title: `The ${origin} attribute is ${value.bytes} bytes; not scanned`,
          reason:
            "Real Keras configs are kilobytes to a few megabytes. This one was not read, so its layers are unknown; inspect it with h5py before loading the model.",
          evidence: { origin, bytes: value.bytes },
          threats: MALFORMED_ARTIFACT,
        });
        continue;
      }
      if (value.kind === "not-text") {
        ctx.report(unparseable("keras-h5", origin, "attribute is not a string"));
        continue;
      }
      let root: unknown;
      try {
        root = parseKerasJson(value.text);
      } catch (error) {
        ctx.report(unparseable("keras-h5", origin, error));
        continue;
      }
      for (const issue of analyzeKerasConfig(root, { format: "keras-h5", origin })) {
        ctx.report(issue);
      }
    }
  },
};
