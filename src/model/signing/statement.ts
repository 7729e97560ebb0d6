/**
 * The in-toto Statement v1 that OMS signs (spec: in-toto attestation v1 statement, OMS v1.0
 * predicate `https://model_signing/signature/v1.0`):
 *
 *   { "_type": "https://in-toto.io/Statement/v1",
 *     "subject": [{ "name": <model name>, "digest": { "sha256": <root digest> } }],
 *     "predicateType": "https://model_signing/signature/v1.0",
 *     "predicate": { "serialization": {…}, "resources": [{ "algorithm", "digest", "name" }…] } }
 *
 * It is written as the reference writes it (protobuf `MessageToJson`: 2-space indent, no trailing
 * newline, the field order below). Parsing is strict and fails closed: an unknown predicate type,
 * hash, method or field is a problem, never a guess. The v0.2.0 predicate
 * `https://model_signing/Digests/v0.1` (one subject per file, no root digest) is read too.
 */
import { HASH_TYPE, LEGACY_PREDICATE_TYPE, PREDICATE_TYPE, STATEMENT_TYPE } from "./constants.js";
import { SignatureProblem } from "./errors.js";
import { type Manifest, rootDigestOf, type Serialization } from "./manifest.js";
import { isSafeResourcePath } from "./paths.js";

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: {
    serialization: Serialization;
    resources: { algorithm: string; digest: string; name: string }[];
  };
}

export function buildStatement(manifest: Manifest): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: manifest.rootDigest } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: manifest.serialization,
      resources: manifest.resources.map((r) => ({
        algorithm: r.algorithm,
        digest: r.digest,
        name: r.name,
      })),
    },
  };
}

/** The DSSE payload bytes, laid out as the reference's `MessageToJson`. */
export function encodeStatement(statement: Statement): Buffer {
  return Buffer.from(JSON.stringify(statement, null, 2), "utf8");
}

/** One signed resource, its name already split for shards. */
export interface SignedResource {
  name: string;
  /** The file: a relative POSIX path, or `.` for a single-file model. */
  path: string;
  start?: number;
  end?: number;
  digest: string;
}

/** What a verified statement promises about the model. */
export interface SignedManifest {
  predicateType: string;
  /** v0.2.0 layout (no root digest, no serialization parameters). */
  legacy: boolean;
  modelName?: string;
  /** Hex; absent for the v0.2.0 layout, which has none. */
  rootDigest?: string;
  method: "files" | "shards";
  shardSize?: number;
  allowSymlinks: boolean;
  ignorePaths: string[];
  resources: SignedResource[];
}

const HEX_256 = /^[0-9a-f]{64}$/;
const OFFSET = /^(0|[1-9][0-9]*)$/;

/** Reads the payload of a verified envelope. Throws SignatureProblem on anything unexpected. */
export function parseStatement(payload: Uint8Array): SignedManifest {
  let text: string;
  let doc: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(payload);
    doc = JSON.parse(text);
  } catch {
    throw new SignatureProblem("the signed statement is not valid UTF-8 JSON");
  }
  const statement = asObject(doc, "the signed statement");
  onlyKeys(statement, ["_type", "subject", "predicateType", "predicate"], "the signed statement");
  if (statement._type !== STATEMENT_TYPE) {
    throw new SignatureProblem(
      `the signed statement has _type ${JSON.stringify(statement._type)}, not ${STATEMENT_TYPE}`,
    );
  }
  if (statement.predicateType === PREDICATE_TYPE) return parseV1(statement);
  if (statement.predicateType === LEGACY_PREDICATE_TYPE) return parseLegacy(statement);
  throw new SignatureProblem(
    `the signature uses predicate type ${JSON.stringify(statement.predicateType)}, which Rampart does not know, so it cannot vouch for the model`,
  );
}

function parseV1(statement: Record<string, unknown>): SignedManifest {
  const subjects = asArray(statement.subject, "the statement's subject");
  if (subjects.length !== 1) {
    throw new SignatureProblem(
      `the statement names ${subjects.length} subjects; an OMS signature names exactly one model`,
    );
  }
  const subject = asObject(subjects[0], "the statement's subject");
  const modelName = asString(subject.name, "the subject's name");
  const digestSet = asObject(subject.digest, "the subject's digest");
  onlyKeys(digestSet, ["sha256"], "the subject's digest");
  const rootDigest = asHex256(digestSet.sha256, "the subject's sha256 digest");

  const predicate = asObject(statement.predicate, "the predicate");
  onlyKeys(predicate, ["serialization", "resources"], "the predicate");
  const serialization = asObject(predicate.serialization, "the predicate's serialization");
  onlyKeys(
    serialization,
    ["method", "hash_type", "allow_symlinks", "shard_size", "ignore_paths"],
    "the predicate's serialization",
  );
  const method = serialization.method;
  if (method !== "files" && method !== "shards") {
    throw new SignatureProblem(
      `the signature uses serialization method ${JSON.stringify(method)}, which Rampart does not know`,
    );
  }
  if (serialization.hash_type !== HASH_TYPE) {
    throw new SignatureProblem(
      `the signature hashes files with ${JSON.stringify(serialization.hash_type)}; Rampart verifies sha256 only`,
    );
  }
  if (typeof serialization.allow_symlinks !== "boolean") {
    throw new SignatureProblem("the predicate's allow_symlinks is not true or false");
  }
  let shardSize: number | undefined;
  if (method === "shards") {
    shardSize = serialization.shard_size as number;
    // JSON 8.0 (the reference prints floats) parses to the integer 8.
    if (!(Number.isSafeInteger(shardSize) && shardSize > 0)) {
      throw new SignatureProblem("the predicate's shard_size is not a positive integer");
    }
  } else if (serialization.shard_size !== undefined) {
    throw new SignatureProblem("the predicate has a shard_size but serialises whole files");
  }
  const ignorePaths =
    serialization.ignore_paths === undefined
      ? []
      : asArray(serialization.ignore_paths, "the predicate's ignore_paths").map((p) =>
          asString(p, "an ignore path"),
        );

  const resources = asArray(predicate.resources, "the predicate's resources").map((item) => {
    const r = asObject(item, "a resource");
    const name = asString(r.name, "a resource name");
    const digest = asHex256(r.digest, `the digest of ${name}`);
    const algorithm = r.algorithm;
    if (method === "files") {
      if (algorithm !== HASH_TYPE) badAlgorithm(name, algorithm);
      if (!isSafeResourcePath(name)) unsafeName(name);
      return { name, path: name, digest };
    }
    if (algorithm !== `${HASH_TYPE}-sharded-${shardSize}` && algorithm !== HASH_TYPE) {
      badAlgorithm(name, algorithm);
    }
    return { name, digest, ...parseShardName(name) };
  });
  checkNames(resources);
  const listed = rootDigestOf(resources);
  if (listed !== rootDigest) {
    throw new SignatureProblem(
      `the signed manifest is inconsistent: its resources hash to ${listed}, not to the signed root digest ${rootDigest}`,
    );
  }
  const manifest: SignedManifest = {
    predicateType: PREDICATE_TYPE,
    legacy: false,
    modelName,
    rootDigest,
    method,
    allowSymlinks: serialization.allow_symlinks,
    ignorePaths,
    resources,
  };
  if (shardSize !== undefined) manifest.shardSize = shardSize;
  return manifest;
}

/** v0.2.0: every file is a subject `{name, digest: {sha256}}`; the predicate carries nothing. */
function parseLegacy(statement: Record<string, unknown>): SignedManifest {
  asObject(statement.predicate, "the predicate");
  const resources = asArray(statement.subject, "the statement's subject").map((item) => {
    const subject = asObject(item, "a subject");
    const name = asString(subject.name, "a subject name");
    const digestSet = asObject(subject.digest, `the digest of ${name}`);
    onlyKeys(digestSet, ["sha256"], `the digest of ${name}`);
    const digest = asHex256(digestSet.sha256, `the digest of ${name}`);
    if (subject.annotations !== undefined) {
      const algorithm = asObject(
        subject.annotations,
        `the annotations of ${name}`,
      ).actual_hash_algorithm;
      if (algorithm !== undefined && algorithm !== "file-sha256") badAlgorithm(name, algorithm);
    }
    if (!isSafeResourcePath(name)) unsafeName(name);
    return { name, path: name, digest };
  });
  checkNames(resources);
  return {
    predicateType: LEGACY_PREDICATE_TYPE,
    legacy: true,
    method: "files",
    allowSymlinks: false,
    ignorePaths: [],
    resources,
  };
}

function parseShardName(name: string): { path: string; start: number; end: number } {
  const parts = name.split(":");
  const [path, start, end] = parts;
  if (
    parts.length !== 3 ||
    path === undefined ||
    !isSafeResourcePath(path) ||
    !OFFSET.test(start ?? "") ||
    !OFFSET.test(end ?? "")
  ) {
    throw new SignatureProblem(
      `the signed shard ${JSON.stringify(name)} is not path:start:end with a relative path`,
    );
  }
  const s = Number(start);
  const e = Number(end);
  if (!(Number.isSafeInteger(e) && s < e)) {
    throw new SignatureProblem(`the signed shard ${JSON.stringify(name)} is empty or reversed`);
  }
  return { path, start: s, end: e };
}

/** No duplicates, and `.` (a single-file model) only on its own. */
function checkNames(resources: readonly SignedResource[]): void {
  const seen = new Set<string>();
  for (const r of resources) {
    if (seen.has(r.name)) {
      throw new SignatureProblem(`the signed manifest lists ${JSON.stringify(r.name)} twice`);
    }
    seen.add(r.name);
  }
  const paths = new Set(resources.map((r) => r.path));
  if (paths.has(".") && paths.size > 1) {
    throw new SignatureProblem("the signed manifest mixes a single-file model with other files");
  }
}

function badAlgorithm(name: string, algorithm: unknown): never {
  throw new SignatureProblem(
    `${name} was hashed with ${JSON.stringify(algorithm)}, which Rampart does not verify`,
  );
}

function unsafeName(name: string): never {
  throw new SignatureProblem(
    `the signed manifest names ${JSON.stringify(name)}, which is not a path inside the model`,
  );
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SignatureProblem(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new SignatureProblem(`${what} is not a JSON array`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new SignatureProblem(`${what} is not a non-empty string`);
  }
  return value;
}

function asHex256(value: unknown, what: string): string {
  if (typeof value !== "string" || !HEX_256.test(value)) {
    throw new SignatureProblem(`${what} is not 64 lowercase hex digits`);
  }
  return value;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new SignatureProblem(
      `${what} has field(s) ${unknown.join(", ")} that Rampart does not know, so it refuses to guess their meaning`,
    );
  }
}
