/**
 * Keyless (Sigstore public-good) verification, OFFLINE. @sigstore/verify does the work exactly as
 * sigstore-js does it online: the Fulcio certificate must chain to a Fulcio CA of the trusted root
 * and be valid at the Rekor integration time, its SCT must verify against a CT log key, the Rekor
 * entry's inclusion proof / checkpoint or signed entry timestamp must verify against a Rekor key,
 * the entry body must match the envelope, and the certificate's key must verify the DSSE
 * signature. The caller then matches the identity (SAN) and the OIDC issuer (Fulcio extension
 * 1.3.6.1.4.1.57264.1.8, or the older .1.1).
 *
 * The trust material is the public-good `trusted_root.json` that @sigstore/tuf ships in its seeds
 * (seeds.json, targets["trusted_root.json"]), built without any TUF fetch. It is as fresh as the
 * installed @sigstore/tuf: a signature whose Fulcio CA or Rekor key was added to Sigstore's root
 * later fails closed (update the package), and a key Sigstore revoked since stays trusted until
 * the package is updated. Nothing here touches the network.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { bundleFromJSON } from "@sigstore/bundle";
import { type TrustMaterial, toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { SignatureProblem } from "./errors.js";
import { keyIdOf } from "./keys.js";

type TrustedRoot = Parameters<typeof toTrustMaterial>[0];

/** The public-good instance, as named in the seeds. */
const PUBLIC_GOOD_TUF = "https://tuf-repo-cdn.sigstore.dev";

export interface SigstoreSigner {
  /** The certificate's subject alternative name (e-mail, URI…). */
  identity?: string;
  /** The OIDC issuer Fulcio recorded. */
  issuer?: string;
  keyId: string;
}

let cached: TrustMaterial | undefined;

/** Sigstore's public-good trust root, from the seeds bundled with @sigstore/tuf. */
export function publicGoodTrustMaterial(): TrustMaterial {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const seeds = JSON.parse(readFileSync(require.resolve("@sigstore/tuf/seeds.json"), "utf8")) as {
    [mirror: string]: { targets?: { [name: string]: string } } | undefined;
  };
  const encoded = seeds[PUBLIC_GOOD_TUF]?.targets?.["trusted_root.json"];
  if (encoded === undefined) {
    throw new SignatureProblem(
      "the installed @sigstore/tuf ships no public-good trusted_root.json, so keyless signatures cannot be verified offline",
    );
  }
  const json: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  // The protobuf-JSON decoder of the exact @sigstore/protobuf-specs that @sigstore/verify uses,
  // resolved from it (it is its dependency, not ours) so the two can never disagree.
  const fromVerify = createRequire(require.resolve("@sigstore/verify"));
  const specs = fromVerify("@sigstore/protobuf-specs") as {
    TrustedRoot: { fromJSON(object: unknown): TrustedRoot };
  };
  cached = toTrustMaterial(specs.TrustedRoot.fromJSON(json));
  return cached;
}

/** Verifies a keyless bundle offline; returns who signed. Throws SignatureProblem otherwise. */
export function verifySigstoreBundle(json: Record<string, unknown>): SigstoreSigner {
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    throw new SignatureProblem(
      `the keyless bundle is malformed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (bundle.content.$case !== "dsseEnvelope") {
    throw new SignatureProblem("the keyless bundle signs a bare message, not a DSSE statement");
  }
  const verifier = new Verifier(publicGoodTrustMaterial(), { tlogThreshold: 1, ctlogThreshold: 1 });
  let signer: ReturnType<Verifier["verify"]>;
  try {
    signer = verifier.verify(toSignedEntity(bundle));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SignatureProblem(
      `the Sigstore signature does not verify offline against Sigstore's public-good trusted root: ${message}`,
    );
  }
  const result: SigstoreSigner = { keyId: keyIdOf(signer.key) };
  const san = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  if (san !== undefined) result.identity = san;
  if (issuer !== undefined) result.issuer = issuer;
  return result;
}
