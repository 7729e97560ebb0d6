/** What a control watches. Every finding and every ledger entry names one. */
export const ASSET_KINDS = ["dataset", "model", "endpoint", "client", "file"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export interface AssetRef {
  kind: AssetKind;
  id: string;
  version?: string;
}

export function isAssetKind(value: unknown): value is AssetKind {
  return typeof value === "string" && (ASSET_KINDS as readonly string[]).includes(value);
}

/** `kind:id[@version]`, the form the CLI accepts and prints (e.g. `model:fraud@3`). */
export function formatAsset(asset: AssetRef): string {
  return asset.version === undefined
    ? `${asset.kind}:${asset.id}`
    : `${asset.kind}:${asset.id}@${asset.version}`;
}

/**
 * Parses `kind:id[@version]`. Returns a reason string instead of throwing so callers can
 * phrase the error for their own context (a CLI flag, a config key).
 */
export function parseAsset(text: string): AssetRef | { error: string } {
  const colon = text.indexOf(":");
  if (colon <= 0) {
    return { error: `expected kind:id[@version] with kind one of ${ASSET_KINDS.join(", ")}` };
  }
  const kind = text.slice(0, colon);
  if (!isAssetKind(kind)) {
    return { error: `unknown asset kind "${kind}"; expected one of ${ASSET_KINDS.join(", ")}` };
  }
  const rest = text.slice(colon + 1);
  const at = rest.lastIndexOf("@");
  const id = at > 0 ? rest.slice(0, at) : rest;
  const version = at > 0 ? rest.slice(at + 1) : undefined;
  if (id.length === 0) return { error: "the asset id is empty" };
  if (version !== undefined && version.length === 0)
    return { error: "the version after @ is empty" };
  return version === undefined ? { kind, id } : { kind, id, version };
}
