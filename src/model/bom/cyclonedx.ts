import { randomUUID } from "node:crypto";
import { canonicalize, formatAsset, RampartError, sha256Hex } from "../../core/index.js";
import type { ModelFileRecord, ModelVersion } from "../registry/types.js";

/**
 * A CycloneDX 1.6 ML-BOM of one registered model version: the model with its model card,
 * the dataset snapshots it was trained on, and Rampart's own facts about it (stage, signer,
 * scan) as `rampart:*` properties. Everything but `serialNumber` and `metadata.timestamp`
 * is a pure function of its inputs, so two BOMs of the same version diff cleanly.
 */

export const CYCLONEDX_SPEC_VERSION = "1.6";
/** The schema's `$id`; editors and validators pick the schema from it. */
export const CYCLONEDX_SCHEMA_ID = "http://cyclonedx.org/schema/bom-1.6.schema.json";

/** What is known about a dataset snapshot named in `lineage.datasets`, beyond its id. */
export interface DatasetRef {
  /** The snapshot id exactly as it appears in `lineage.datasets`. */
  id: string;
  /** The dataset's name (default: the snapshot id). */
  name?: string;
  version?: string;
  /** `sha256:<hex>` (or sha384/sha512) of the snapshot's content. */
  digest?: string;
  /** Where the snapshot can be fetched. */
  url?: string;
  description?: string;
}

export interface CycloneDxOptions {
  datasets?: DatasetRef[];
  /** Rampart's version, recorded as the tool that wrote the BOM. */
  toolVersion: string;
  /** Pins `metadata.timestamp` (tests, reproducible builds). */
  now?: Date;
  /** Pins `serialNumber`: `urn:uuid:<uuid>` or a bare UUID. */
  serialNumber?: string;
}

/**
 * The model card fields the BOM understands: a superset of `ModelVersion.card`, so the
 * registry can grow into it without a change here. Values are checked at run time because
 * a card can come from a user's file.
 */
export interface BomModelCard {
  task?: string;
  architecture?: string;
  architectureFamily?: string;
  description?: string;
  approach?: string;
  considerations?: {
    users?: string[];
    useCases?: string[];
    technicalLimitations?: string[];
    performanceTradeoffs?: string[];
    ethicalConsiderations?: { name?: string; mitigationStrategy?: string }[];
  };
}

// The subset of the CycloneDX 1.6 object model this writer emits.
export interface CdxHash {
  alg: "SHA-256" | "SHA-384" | "SHA-512";
  content: string;
}
export interface CdxProperty {
  name: string;
  value: string;
}
export interface CdxExternalReference {
  type: "distribution" | "vcs" | "website" | "documentation" | "other";
  url: string;
  comment?: string;
}
export interface CdxComponentData {
  type: "dataset";
  name?: string;
  description?: string;
  contents?: { url: string };
}
export interface CdxModelCard {
  modelParameters?: {
    approach?: { type: string };
    task?: string;
    architectureFamily?: string;
    modelArchitecture?: string;
    datasets?: { ref: string }[];
  };
  quantitativeAnalysis?: { performanceMetrics: { type: string; value: string }[] };
  considerations?: NonNullable<BomModelCard["considerations"]>;
}
export interface CdxComponent {
  type: "application" | "machine-learning-model" | "data" | "file";
  "bom-ref"?: string;
  name: string;
  version?: string;
  description?: string;
  hashes?: CdxHash[];
  externalReferences?: CdxExternalReference[];
  modelCard?: CdxModelCard;
  data?: CdxComponentData[];
  components?: CdxComponent[];
  properties?: CdxProperty[];
}
export interface CdxDependency {
  ref: string;
  dependsOn: string[];
}
export interface CycloneDxBom {
  $schema: typeof CYCLONEDX_SCHEMA_ID;
  bomFormat: "CycloneDX";
  specVersion: typeof CYCLONEDX_SPEC_VERSION;
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: CdxComponent[] };
    component: CdxComponent;
  };
  components: CdxComponent[];
  dependencies: CdxDependency[];
}

/** The bom-ref of a model version: the same `model:name@version` the ledger and findings use. */
export function modelBomRef(version: Pick<ModelVersion, "name" | "version">): string {
  return formatAsset({ kind: "model", id: version.name, version: version.version });
}

export function datasetBomRef(snapshotId: string): string {
  return formatAsset({ kind: "dataset", id: snapshotId });
}

export function toCycloneDx(version: ModelVersion, options: CycloneDxOptions): CycloneDxBom {
  const modelRef = modelBomRef(version);
  const modelHash = parseDigest(version.digest);
  if (modelHash === undefined) {
    // The registry always records sha256:<hex>; anything else is a corrupt record, and a BOM
    // without the model's hash would be worse than none.
    throw new RampartError(
      "E_INTERNAL",
      `model ${modelRef} has digest "${version.digest}", not sha256:<hex>`,
    );
  }

  const known = new Map((options.datasets ?? []).map((d) => [d.id, d]));
  // Dedupe but keep the registry's order: it is the order the lineage was recorded in.
  const snapshotIds = [...new Set(version.lineage.datasets)];
  const datasets = snapshotIds.map((id) => datasetComponent(id, known.get(id)));
  const datasetRefs = snapshotIds.map(datasetBomRef);

  const card: BomModelCard = version.card ?? {};
  const modelCardFields = modelCard(card, version.metrics, datasetRefs);
  const model: CdxComponent = {
    type: "machine-learning-model",
    "bom-ref": modelRef,
    name: version.name,
    version: version.version,
    ...optionalString("description", card.description),
    hashes: [modelHash],
    ...(Object.keys(modelCardFields).length > 0 ? { modelCard: modelCardFields } : {}),
    ...(version.files.length > 0 ? { components: fileComponents(version.files) } : {}),
    properties: modelProperties(version),
  };

  return {
    $schema: CYCLONEDX_SCHEMA_ID,
    bomFormat: "CycloneDX",
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: serialNumber(options.serialNumber),
    version: 1,
    metadata: {
      timestamp: (options.now ?? new Date()).toISOString(),
      tools: {
        components: [{ type: "application", name: "Rampart", version: options.toolVersion }],
      },
      // The subject of the BOM, without a bom-ref: bom-refs must be unique in a BOM and the
      // full entry (the one dependencies point at) is in `components`.
      component: {
        type: "machine-learning-model",
        name: version.name,
        version: version.version,
        hashes: [modelHash],
      },
    },
    components: [model, ...datasets],
    dependencies: [
      { ref: modelRef, dependsOn: datasetRefs },
      ...datasetRefs.map((ref) => ({ ref, dependsOn: [] })),
    ],
  };
}

function modelCard(
  card: BomModelCard,
  metrics: Record<string, number>,
  datasetRefs: string[],
): CdxModelCard {
  const parameters: NonNullable<CdxModelCard["modelParameters"]> = {
    ...(isApproach(card.approach) ? { approach: { type: card.approach } } : {}),
    ...optionalString("task", card.task),
    ...optionalString("architectureFamily", card.architectureFamily),
    ...optionalString("modelArchitecture", card.architecture),
    ...(datasetRefs.length > 0 ? { datasets: datasetRefs.map((ref) => ({ ref })) } : {}),
  };
  const performanceMetrics = Object.keys(metrics)
    .sort()
    .map((type) => ({ type, value: String(metrics[type]) }));
  const considerations = readConsiderations(card.considerations);
  return {
    ...(Object.keys(parameters).length > 0 ? { modelParameters: parameters } : {}),
    ...(performanceMetrics.length > 0 ? { quantitativeAnalysis: { performanceMetrics } } : {}),
    ...(considerations === undefined ? {} : { considerations }),
  };
}

function datasetComponent(id: string, ref: DatasetRef | undefined): CdxComponent {
  const name = nonEmpty(ref?.name) ?? id;
  // A snapshot id may itself be a content digest; an explicit digest wins.
  const hash = parseDigest(ref?.digest) ?? parseDigest(id);
  const url = nonEmpty(ref?.url);
  const description = nonEmpty(ref?.description);
  return {
    type: "data",
    "bom-ref": datasetBomRef(id),
    name,
    ...optionalString("version", ref?.version),
    ...optionalString("description", description),
    ...(hash === undefined ? {} : { hashes: [hash] }),
    ...(url === undefined ? {} : { externalReferences: [{ type: "distribution", url }] }),
    data: [
      {
        type: "dataset",
        name,
        ...optionalString("description", description),
        ...(url === undefined ? {} : { contents: { url } }),
      },
    ],
    properties: [{ name: "rampart:dataset.snapshot", value: id }],
  };
}

function fileComponents(files: ModelFileRecord[]): CdxComponent[] {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((file) => {
      const hash = parseDigest(file.digest);
      return {
        type: "file",
        name: file.name,
        ...(hash === undefined ? {} : { hashes: [hash] }),
        properties: [{ name: "rampart:file.size", value: String(file.size) }],
      };
    });
}

function modelProperties(version: ModelVersion): CdxProperty[] {
  const props: CdxProperty[] = [
    { name: "rampart:stage", value: version.stage },
    // Tells a reader which digest the SHA-256 hash is: only the OMS root digest can be
    // checked against the signature.
    {
      name: "rampart:digest.kind",
      value: version.signature === undefined ? "files-manifest" : "oms-root",
    },
    { name: "rampart:blob", value: version.blob },
    { name: "rampart:encrypted", value: String(version.encrypted) },
  ];
  if (version.signature !== undefined) {
    const signer = version.signature.signer;
    props.push({ name: "rampart:signer", value: signerSummary(signer) });
    for (const key of Object.keys(signer).sort()) {
      const value = signer[key];
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        props.push({ name: `rampart:signer.${key}`, value: String(value) });
      }
    }
    props.push(
      { name: "rampart:signature.verifiedAt", value: version.signature.verifiedAt },
      // The bundle itself is too large for a property; its digest lets a reader match the file.
      { name: "rampart:signature.bundle.sha256", value: sha256Hex(version.signature.bundle) },
    );
  }
  if (version.scan !== undefined) {
    props.push(
      { name: "rampart:scan.maxSeverity", value: version.scan.maxSeverity ?? "none" },
      { name: "rampart:scan.findings", value: String(version.scan.findings) },
      { name: "rampart:scan.scannedAt", value: version.scan.scannedAt },
    );
  }
  const { gitCommit, parent, parameters } = version.lineage;
  if (nonEmpty(gitCommit) !== undefined) {
    props.push({ name: "rampart:lineage.gitCommit", value: gitCommit as string });
  }
  if (nonEmpty(parent) !== undefined) {
    props.push({ name: "rampart:lineage.parent", value: parent as string });
  }
  for (const key of Object.keys(parameters ?? {}).sort()) {
    const value = parameters?.[key];
    if (value === undefined) continue;
    props.push({
      name: `rampart:lineage.parameter.${key}`,
      value: typeof value === "string" ? value : stableJson(value),
    });
  }
  props.push(
    { name: "rampart:createdAt", value: version.createdAt },
    { name: "rampart:createdBy", value: version.createdBy },
  );
  return props;
}

/** One line naming who signed: the certificate identity, else the key id, else the record. */
function signerSummary(signer: Record<string, unknown>): string {
  for (const key of ["identity", "keyId", "kind"]) {
    const value = signer[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return stableJson(signer);
}

/** Canonical JSON so that a nested value prints the same on every run. */
function stableJson(value: unknown): string {
  try {
    return canonicalize(value);
  } catch {
    // NaN, bigint and the like: a BOM is still worth more than a refusal over one property.
    return String(value);
  }
}

const DIGEST_ALGS: Record<string, { alg: CdxHash["alg"]; hexLength: number }> = {
  sha256: { alg: "SHA-256", hexLength: 64 },
  sha384: { alg: "SHA-384", hexLength: 96 },
  sha512: { alg: "SHA-512", hexLength: 128 },
};

/** `sha256:<hex>` (or sha384/sha512) → a CycloneDX hash; undefined for anything else. */
export function parseDigest(digest: string | undefined): CdxHash | undefined {
  if (digest === undefined) return undefined;
  const match = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(digest);
  if (match === null) return undefined;
  const spec = DIGEST_ALGS[match[1] as string];
  const hex = (match[2] as string).toLowerCase();
  if (spec === undefined || hex.length !== spec.hexLength) return undefined;
  return { alg: spec.alg, content: hex };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function serialNumber(pinned: string | undefined): string {
  if (pinned === undefined) return `urn:uuid:${randomUUID()}`;
  const uuid = pinned.toLowerCase().replace(/^urn:uuid:/, "");
  if (!UUID.test(uuid)) {
    throw new RampartError("E_USAGE", `serial number "${pinned}" is not a UUID`, {
      hint: "use urn:uuid:<uuid> or a bare RFC 4122 UUID",
    });
  }
  return `urn:uuid:${uuid}`;
}

const APPROACHES = [
  "supervised",
  "unsupervised",
  "reinforcement-learning",
  "semi-supervised",
  "self-supervised",
] as const;

function isApproach(value: unknown): value is (typeof APPROACHES)[number] {
  return typeof value === "string" && (APPROACHES as readonly string[]).includes(value);
}

const CONSIDERATION_LISTS = [
  "users",
  "useCases",
  "technicalLimitations",
  "performanceTradeoffs",
] as const;

/** Keeps only well-formed, non-empty entries, so a loose card never makes the BOM invalid. */
function readConsiderations(value: unknown): CdxModelCard["considerations"] {
  if (typeof value !== "object" || value === null) return undefined;
  const source = value as Record<string, unknown>;
  const out: NonNullable<CdxModelCard["considerations"]> = {};
  for (const key of CONSIDERATION_LISTS) {
    const list = stringList(source[key]);
    if (list.length > 0) out[key] = list;
  }
  const ethical = Array.isArray(source.ethicalConsiderations)
    ? source.ethicalConsiderations.flatMap((risk: unknown) => {
        if (typeof risk !== "object" || risk === null) return [];
        const r = risk as Record<string, unknown>;
        const entry = {
          ...optionalString("name", r.name),
          ...optionalString("mitigationStrategy", r.mitigationStrategy),
        };
        return Object.keys(entry).length > 0 ? [entry] : [];
      })
    : [];
  if (ethical.length > 0) out.ethicalConsiderations = ethical;
  return Object.keys(out).length > 0 ? out : undefined;
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === "string" && v !== "");
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function optionalString<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  const text = nonEmpty(value);
  return (text === undefined ? {} : { [key]: text }) as { [P in K]?: string };
}
