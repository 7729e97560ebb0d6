/**
 * The OMS v1.0 spec's own vectors (ossf/model-signing-spec): `valid/*` validate against its JSON
 * schemas (draft 2020-12, Ajv) and `invalid/*` do not; Rampart's strict bundle parser agrees with
 * the schemas on every vector, and a bundle Rampart writes validates too.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBundle } from "./bundle.js";
import { signModel, verifyModel } from "./index.js";
import {
  ecKeyPair,
  GOLDEN,
  GOLDEN_KEYS,
  HAS_INTEROP,
  INTEROP,
  KEYLESS_IDENTITY,
  KEYLESS_ISSUER,
  readText,
  tempDir,
  writeTree,
} from "./testing/fixtures.js";

const SCHEMAS = join(INTEROP, "spec-schemas/v1.0");
const VECTORS = join(INTEROP, "spec-vectors");
const ABSENT = HAS_INTEROP ? "" : ` (SKIPPED: ${INTEROP} is absent)`;
const VALID = HAS_INTEROP ? readdirSync(join(VECTORS, "valid")).sort() : [];
const INVALID = HAS_INTEROP ? readdirSync(join(VECTORS, "invalid")).sort() : [];

// ajv is CommonJS: under NodeNext its default import is `module.exports`, whose `default` is the class.
const Ajv2020 = Ajv2020Module.default;

type Validate = (data: unknown) => boolean;
let validateBundle: Validate = () => false;
let validateStatement: Validate = () => false;

beforeAll(() => {
  if (!HAS_INTEROP) return;
  const ajv = new Ajv2020({ allErrors: true });
  for (const file of readdirSync(SCHEMAS)) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), "utf8")));
  }
  validateBundle = ajv.getSchema("https://model_signing/bundle/v1.0/schema") as Validate;
  validateStatement = ajv.getSchema("https://model_signing/statement/v1.0/schema") as Validate;
});

/** Bundle schema, then the statement schema on the decoded payload. */
function schemaValid(text: string): boolean {
  let bundle: { dsseEnvelope?: { payload?: string } };
  try {
    bundle = JSON.parse(text);
  } catch {
    return false;
  }
  if (!validateBundle(bundle)) return false;
  const payload = Buffer.from(bundle.dsseEnvelope?.payload ?? "", "base64").toString("utf8");
  return validateStatement(JSON.parse(payload));
}

function rampartAccepts(text: string): boolean {
  try {
    const parsed = parseBundle(text);
    // The keyless layout needs its log entries, as the schema says.
    return parsed.material.kind !== "sigstore" || parsed.tlogEntries > 0;
  } catch {
    return false;
  }
}

it.skipIf(!HAS_INTEROP)(`finds the spec vectors${ABSENT}`, () => {
  expect(VALID.length).toBe(3);
  expect(INVALID.length).toBe(4);
});

describe.each(VALID)("spec vector valid/%s", (name) => {
  const text = () => readFileSync(join(VECTORS, "valid", name), "utf8");
  it("validates against the spec schemas and Rampart's parser", () => {
    expect(schemaValid(text())).toBe(true);
    expect(rampartAccepts(text())).toBe(true);
  });
  it("verifies against the golden model it was made from", async () => {
    // key/certificate vectors sign the v1.1.0-elliptic-key files; sigstore is v1.1.0-sigstore's.
    const kind = parseBundle(text()).material.kind;
    const model = join(GOLDEN, kind === "sigstore" ? "v1.1.0-sigstore" : "v1.1.0-elliptic-key");
    const trust =
      kind === "key"
        ? { publicKeyPem: readText(join(GOLDEN_KEYS, "signing-key-pub.pem")) }
        : kind === "chain"
          ? { certificateChainPems: [readText(join(GOLDEN_KEYS, "ca-cert.pem"))] }
          : { identity: KEYLESS_IDENTITY, issuer: KEYLESS_ISSUER };
    const result = await verifyModel(model, {
      signaturePath: join(VECTORS, "valid", name),
      ignorePaths: ["model.sig"],
      ...trust,
    });
    expect(result.problems).toEqual([]);
    expect(result.verified).toBe(true);
  });
});

describe.each(INVALID)("spec vector invalid/%s", (name) => {
  it("is rejected by the spec schemas and by Rampart's parser", () => {
    const text = readFileSync(join(VECTORS, "invalid", name), "utf8");
    expect(schemaValid(text)).toBe(false);
    expect(rampartAccepts(text)).toBe(false);
  });
});

describe("bundles Rampart writes", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!HAS_INTEROP)(`validate against the spec schemas${ABSENT}`, async () => {
    writeTree(dir, { "weights.bin": "w", "config/model.json": "{}" });
    const { privatePem } = ecKeyPair("P-256");
    await signModel(dir, { privateKeyPem: privatePem, signaturePath: join(dir, "model.sig") });
    expect(schemaValid(readFileSync(join(dir, "model.sig"), "utf8"))).toBe(true);
  });
});
