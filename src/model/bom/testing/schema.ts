/**
 * Validates a BOM against the official CycloneDX 1.6 JSON schema, as shipped (with the SPDX and
 * JSF schemas it references) in @cyclonedx/cyclonedx-library, a dev dependency: test-only code,
 * left out of the build.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

const SCHEMA_DIR = join(
  dirname(createRequire(import.meta.url).resolve("@cyclonedx/cyclonedx-library/package.json")),
  "res/schema",
);

export const CYCLONEDX_16_SCHEMA_FILE = join(SCHEMA_DIR, "bom-1.6.SNAPSHOT.schema.json");

function readSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, file), "utf8")) as Record<string, unknown>;
}

/**
 * ajv-formats is not installed, and without format checks a malformed timestamp would pass,
 * so these are small stand-ins for the four formats the schemas use. They are deliberately
 * close to the RFCs only where the BOM writer could plausibly go wrong.
 */
const FORMATS: Record<string, (value: string) => boolean> = {
  // RFC 3339 date-time, with a real calendar date.
  "date-time": (value) =>
    /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value)),
  // RFC 3987 IRI-reference: anything but whitespace and the characters RFC 3986 forbids.
  "iri-reference": (value) => /^[^\s<>"{}|\\^`]*$/u.test(value),
  "idn-email": (value) => /^[^\s@]+@[^\s@]+$/u.test(value),
  uri: (value) => /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]*$/.test(value),
};

let cached: ValidateFunction | undefined;

export function cycloneDx16Validator(): ValidateFunction {
  if (cached !== undefined) return cached;
  // strict: false because the official schema uses annotation keywords Ajv does not know
  // (meta:enum, deprecated); the library's own validator sets the same.
  const ajv = new Ajv({ strict: false, allErrors: true, formats: FORMATS });
  // The bom schema refers to its neighbours by their SNAPSHOT file names, relative to its $id.
  ajv.addSchema(
    readSchema("spdx.SNAPSHOT.schema.json"),
    "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
  );
  ajv.addSchema(
    readSchema("jsf-0.82.SNAPSHOT.schema.json"),
    "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
  );
  cached = ajv.compile(readSchema("bom-1.6.SNAPSHOT.schema.json"));
  return cached;
}

export interface SchemaResult {
  valid: boolean;
  errors: ErrorObject[];
}

export function validateCycloneDx16(bom: unknown): SchemaResult {
  const validate = cycloneDx16Validator();
  // Validate what a consumer reads: the serialized JSON, not the in-memory object.
  const valid = validate(JSON.parse(JSON.stringify(bom)));
  return { valid, errors: validate.errors ?? [] };
}

/** One line per error, for a readable test failure. */
export function describeErrors(errors: ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("\n");
}
