/**
 * Typed references into the threat catalogs Rampart maps its findings to: MITRE ATLAS and the
 * two OWASP top-ten lists. Ids are literal types, so `atlas("AML.T018")` is a compile error
 * rather than a report that cites a technique that does not exist.
 */

import { ATLAS_TACTICS, ATLAS_TECHNIQUES } from "./atlas.generated.js";
import { OWASP_LLM_TOP_10, OWASP_ML_TOP_10, type OwaspLlmId, type OwaspMlId } from "./owasp.js";

export type { OwaspLlmId, OwaspMlId } from "./owasp.js";

export type ThreatCatalog = "atlas" | "owasp-ml" | "owasp-llm";

export const THREAT_CATALOGS = [
  "atlas",
  "owasp-ml",
  "owasp-llm",
] as const satisfies readonly ThreatCatalog[];

/** A threat a finding or control is mapped to, with the catalog's own name for it. */
export interface ThreatRef {
  catalog: ThreatCatalog;
  id: string;
  name: string;
}

/** Every ATLAS technique and sub-technique id, e.g. "AML.T0018" or "AML.T0018.000". */
export type AtlasTechniqueId = (typeof ATLAS_TECHNIQUES)[number]["id"];
export type AtlasTacticId = (typeof ATLAS_TACTICS)[number]["id"];

export interface AtlasTactic {
  readonly id: AtlasTacticId;
  readonly name: string;
}

interface AtlasTechniqueEntry {
  readonly id: string;
  readonly name: string;
  readonly tactics: readonly AtlasTacticId[];
  readonly parent?: string;
}

// Widened once here so lookups by runtime strings need no casts.
const techniques: readonly AtlasTechniqueEntry[] = ATLAS_TECHNIQUES;
const techniqueById = new Map(techniques.map((technique) => [technique.id, technique]));
const tacticById = new Map<string, AtlasTactic>(ATLAS_TACTICS.map((tactic) => [tactic.id, tactic]));

const namesByCatalog = new Map<ThreatCatalog, ReadonlyMap<string, string>>([
  ["atlas", new Map(ATLAS_TECHNIQUES.map((technique) => [technique.id, technique.name]))],
  ["owasp-ml", new Map(OWASP_ML_TOP_10.map((entry) => [entry.id, entry.name]))],
  ["owasp-llm", new Map(OWASP_LLM_TOP_10.map((entry) => [entry.id, entry.name]))],
]);

/** The ATLAS techniques Rampart's controls map to. A typo here fails the typecheck. */
export const RAMPART_ATLAS_TECHNIQUES = [
  "AML.T0020",
  "AML.T0018",
  "AML.T0018.000",
  "AML.T0018.002",
  "AML.T0043",
  "AML.T0043.004",
  "AML.T0015",
  "AML.T0040",
  "AML.T0024",
  "AML.T0024.000",
  "AML.T0024.001",
  "AML.T0024.002",
  "AML.T0010",
  "AML.T0010.002",
  "AML.T0010.003",
  "AML.T0019",
  "AML.T0058",
  "AML.T0011.000",
  "AML.T0029",
  "AML.T0034",
  "AML.T0031",
  "AML.T0059",
] as const satisfies readonly AtlasTechniqueId[];

export type RampartAtlasTechniqueId = (typeof RAMPART_ATLAS_TECHNIQUES)[number];

export function atlas(id: AtlasTechniqueId): ThreatRef {
  return knownRef("atlas", id);
}

export function owaspMl(id: OwaspMlId): ThreatRef {
  return knownRef("owasp-ml", id);
}

export function owaspLlm(id: OwaspLlmId): ThreatRef {
  return knownRef("owasp-llm", id);
}

/** The reference for an id read at run time (config, database, another tool's report). */
export function lookupThreat(catalog: ThreatCatalog, id: string): ThreatRef | undefined {
  const name = namesByCatalog.get(catalog)?.get(id);
  return name === undefined ? undefined : { catalog, id, name };
}

export function isAtlasTechniqueId(id: string): id is AtlasTechniqueId {
  return techniqueById.has(id);
}

/** The ATLAS tactics a technique serves; sub-techniques serve their parent's. */
export function atlasTactics(id: AtlasTechniqueId): readonly AtlasTactic[] {
  const technique = techniqueById.get(id);
  if (technique === undefined) return [];
  return technique.tactics.map((tacticId) => tacticById.get(tacticId)!);
}

/** The parent technique of an ATLAS sub-technique, undefined for a top-level technique. */
export function atlasParent(id: AtlasTechniqueId): AtlasTechniqueId | undefined {
  return techniqueById.get(id)?.parent as AtlasTechniqueId | undefined;
}

/**
 * True when the reference names a real entry under its catalog's own name. Both must match: a
 * stored reference whose name drifted (say, after ATLAS v4.9.0 renamed "ML" to "AI") is stale.
 */
export function isKnownThreat(ref: {
  catalog: string;
  id: string;
  name: string;
}): ref is ThreatRef {
  const names = namesByCatalog.get(ref.catalog as ThreatCatalog);
  return names !== undefined && names.get(ref.id) === ref.name;
}

function knownRef(catalog: ThreatCatalog, id: string): ThreatRef {
  const ref = lookupThreat(catalog, id);
  // Only reachable by casting an unchecked string to an id type: a bug, not a user error.
  if (ref === undefined) throw new Error(`unknown ${catalog} id ${JSON.stringify(id)}`);
  return ref;
}
