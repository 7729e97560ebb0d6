export { ATLAS_TACTICS, ATLAS_TECHNIQUES, ATLAS_VERSION } from "./atlas.generated.js";
export {
  type AtlasTactic,
  type AtlasTacticId,
  type AtlasTechniqueId,
  atlas,
  atlasParent,
  atlasTactics,
  isAtlasTechniqueId,
  isKnownThreat,
  lookupThreat,
  type OwaspLlmId,
  type OwaspMlId,
  owaspLlm,
  owaspMl,
  RAMPART_ATLAS_TECHNIQUES,
  type RampartAtlasTechniqueId,
  THREAT_CATALOGS,
  type ThreatCatalog,
  type ThreatRef,
} from "./catalog.js";
export {
  OWASP_LLM_TOP_10,
  OWASP_LLM_TOP_10_EDITION,
  OWASP_LLM_TOP_10_URL,
  OWASP_ML_TOP_10,
  OWASP_ML_TOP_10_EDITION,
  OWASP_ML_TOP_10_URL,
} from "./owasp.js";
