import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import {
  atlas,
  createFinding,
  ExitCode,
  type Finding,
  owaspMl,
  RampartError,
} from "../../../core/index.js";
import {
  DEFAULT_SIGNATURE_NAME,
  type ModelVerification,
  NothingToSignError,
  type Signer,
  signModel,
  verifyModel,
} from "../../../model/signing/index.js";
import { paint, renderTable } from "../../output.js";
import { action, type RunState } from "../../runner.js";
import { verifyRegistryAction } from "./registry.js";

/**
 * `rampart model sign` and `rampart model verify`: OpenSSF Model Signing (OMS v1.0) bundles that
 * the reference `model_signing` tool verifies, and the other way round. Signature file default:
 * `<folder>/model.sig` for a folder, `<file>.sig` for a single-file model.
 */
interface SignCliOptions {
  key?: string;
  certificateChain?: string[];
  signature?: string;
  ignorePaths?: string[];
  shardSize?: string;
}

interface VerifyCliOptions {
  all?: boolean;
  name?: string;
  signature?: string;
  publicKey?: string;
  certificateChain?: string[];
  identity?: string;
  issuer?: string;
  ignorePaths?: string[];
  ignoreUnsignedFiles?: boolean;
}

export function registerModelSigning(model: Command, state: RunState): void {
  model
    .command("sign")
    .description("sign a model folder or file in the OpenSSF model signing format")
    .argument("<path>", "the model's folder, or its file for a single-file model")
    .option("--key <pem>", "ECDSA P-256, P-384 or P-521 private key (PEM, PKCS#8 or SEC1)")
    .option(
      "--certificate-chain <pem...>",
      "the key's certificate, then its issuers (PEM): embedded instead of a key hint",
    )
    .option(
      "--signature <file>",
      "where to write the signature (default <folder>/model.sig, or <file>.sig)",
    )
    .option("--ignore-paths <path...>", "paths in the model to leave out of the signature")
    .option("--shard-size <bytes>", "hash files in shards of this many bytes instead of whole")
    .action(
      action<SignCliOptions>(state, "rampart/model-sign@1", async ({ out }, options, args) => {
        const path = args[0] ?? "";
        if (options.key === undefined) {
          throw new RampartError("E_USAGE", "no signing key given", {
            hint: "pass --key KEY.pem (an ECDSA P-256, P-384 or P-521 private key)",
          });
        }
        const shardSize = parseShardSize(options.shardSize);
        const signaturePath = options.signature ?? defaultSignaturePath(path);
        let result: Awaited<ReturnType<typeof signModel>>;
        try {
          result = await signModel(path, {
            privateKeyPem: readPem(options.key, "signing key"),
            signaturePath,
            ...(options.ignorePaths === undefined ? {} : { ignorePaths: options.ignorePaths }),
            ...(shardSize === undefined ? {} : { shardSize }),
            ...(options.certificateChain === undefined
              ? {}
              : {
                  certificateChainPems: options.certificateChain.map((f) =>
                    readPem(f, "certificate"),
                  ),
                }),
          });
        } catch (error) {
          if (!(error instanceof NothingToSignError)) throw error;
          out.warn(`rampart: ${error.message}`);
          if (error.hint !== undefined) out.warn(`hint: ${error.hint}`);
          out.document({
            schema: "rampart/model-sign@1",
            ok: false,
            findings: [],
            error: error.toJSON(),
          });
          return ExitCode.nothingToDo;
        }
        out.line(
          `signed ${path}: ${result.files} file(s), root digest ${result.rootDigest}, signature written to ${result.signaturePath}`,
        );
        out.document({
          schema: "rampart/model-sign@1",
          ok: true,
          findings: [],
          signature: result.signaturePath,
          root_digest: result.rootDigest,
          files: result.files,
        });
        return ExitCode.ok;
      }),
    );

  model
    .command("verify")
    .description(
      "verify a model against its OpenSSF model signature, file by file; or, with --all, every artifact in the registry",
    )
    .argument("[path]", "the model's folder, or its file for a single-file model")
    .option("--all", "re-hash (and decrypt) every registered model artifact instead")
    .option("--name <name>", "with --all: only this model's versions")
    .option("--signature <file>", "the signature (default <folder>/model.sig, or <file>.sig)")
    .option("--public-key <pem>", "trust: the signer's ECDSA public key (PEM)")
    .option("--certificate-chain <pem...>", "trust: root (and intermediate) certificates (PEM)")
    .option("--identity <id>", "trust, keyless Sigstore: the signer's identity (SAN)")
    .option("--issuer <url>", "trust, keyless Sigstore: the OIDC issuer of that identity")
    .option("--ignore-paths <path...>", "paths in the model not to report as unsigned")
    .option("--ignore-unsigned-files", "files present but not signed are not an error")
    .action(
      action<VerifyCliOptions>(state, "rampart/model-verify@1", async (ctx, options, args) => {
        const { out } = ctx;
        if (options.all === true) {
          if (args[0] !== undefined) {
            throw new RampartError("E_USAGE", "--all verifies the registry; it takes no path", {
              hint: "rampart model verify --all [--name NAME], or rampart model verify PATH --signature FILE …",
            });
          }
          return verifyRegistryAction(
            ctx,
            options.name === undefined ? { all: true } : { all: true, name: options.name },
          );
        }
        const path = args[0];
        if (path === undefined) {
          throw new RampartError("E_USAGE", "say what to verify", {
            hint: "rampart model verify PATH --public-key KEY.pem (or --certificate-chain, or --identity/--issuer), or rampart model verify --all",
          });
        }
        checkTrustFlags(options);
        const signaturePath = options.signature ?? defaultSignaturePath(path);
        const result = await verifyModel(path, {
          signaturePath,
          ...(options.publicKey === undefined
            ? {}
            : { publicKeyPem: readPem(options.publicKey, "public key") }),
          ...(options.certificateChain === undefined
            ? {}
            : {
                certificateChainPems: options.certificateChain.map((f) =>
                  readPem(f, "certificate"),
                ),
              }),
          ...(options.identity === undefined ? {} : { identity: options.identity }),
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
          ...(options.ignorePaths === undefined ? {} : { ignorePaths: options.ignorePaths }),
          ignoreUnsignedFiles: options.ignoreUnsignedFiles === true,
        });
        const findings = result.verified ? [] : [verifyFinding(path, signaturePath, result)];
        out.line(renderVerification(path, result, paint(out)));
        out.document({
          schema: "rampart/model-verify@1",
          ok: result.verified,
          findings,
          verified: result.verified,
          files: result.files,
          signer: result.signer ?? null,
          root_digest: result.rootDigest ?? null,
          predicate_type: result.predicateType ?? null,
          signature: signaturePath,
          problems: result.problems,
        });
        return result.verified ? ExitCode.ok : ExitCode.findings;
      }),
    );
}

/** A flag problem is said in flag names, before any file is read. */
function checkTrustFlags(options: VerifyCliOptions): void {
  const keyless = options.identity !== undefined || options.issuer !== undefined;
  const given = [
    options.publicKey !== undefined && "--public-key",
    options.certificateChain !== undefined && "--certificate-chain",
    keyless && "--identity/--issuer",
  ].filter((g): g is string => g !== false);
  if (given.length !== 1) {
    throw new RampartError(
      "E_USAGE",
      given.length === 0
        ? "nothing to verify the signature with"
        : `${given.join(" and ")} cannot be combined`,
      {
        hint: "give exactly one of --public-key PEM, --certificate-chain PEM…, or --identity ID --issuer URL",
      },
    );
  }
  if (keyless && (options.identity === undefined || options.issuer === undefined)) {
    throw new RampartError("E_USAGE", "keyless verification needs both --identity and --issuer", {
      hint: "e.g. --identity you@example.com --issuer https://accounts.google.com",
    });
  }
}

function verifyFinding(path: string, signaturePath: string, result: ModelVerification): Finding {
  const [first, ...rest] = result.problems;
  return createFinding({
    detector: "model.verify",
    title: `model signature verification failed: ${first ?? "unknown reason"}${rest.length > 0 ? ` (and ${rest.length} more)` : ""}`,
    severity: "critical",
    asset: { kind: "model", id: path },
    threats: [atlas("AML.T0010.003"), atlas("AML.T0018"), owaspMl("ML06")],
    evidence: {
      signature: signaturePath,
      problems: result.problems,
      files: result.files.filter((f) => f.status !== "ok"),
      root_digest: result.rootDigest ?? null,
      signer: result.signer ?? null,
    },
    remediation:
      "do not load or deploy this model: restore it from a trusted copy, or find out who changed it and re-sign it after review",
  });
}

function renderVerification(
  path: string,
  result: ModelVerification,
  p: ReturnType<typeof paint>,
): string {
  const lines: string[] = [];
  if (result.files.length > 0) {
    const shown = (name: string): string => (name === "." ? basename(path) : name);
    lines.push(
      renderTable(
        ["status", "file"],
        result.files.map((f) => [f.status, shown(f.name)]),
        {
          maxWidth: 100,
          colorize: (col, text) => {
            if (col !== 0) return text;
            return text.trim() === "ok" ? p.green(text) : p.red(text);
          },
        },
      ),
      "",
    );
  }
  if (result.signer !== undefined) lines.push(`signer: ${describeSigner(result.signer)}`);
  if (result.rootDigest !== undefined) lines.push(`root digest: ${result.rootDigest}`);
  if (result.verified) {
    const ok = result.files.filter((f) => f.status === "ok").length;
    lines.push(p.green(`✓ ${path} verified: ${ok} file(s) match the signature`));
  } else {
    lines.push(p.red(`✗ verification FAILED for ${path}`));
    for (const problem of result.problems) lines.push(p.red(`  - ${problem}`));
  }
  return lines.join("\n");
}

function describeSigner(signer: Signer): string {
  const key = signer.keyId === undefined ? "" : ` (key ${signer.keyId.slice(0, 16)}…)`;
  if (signer.kind === "key") return `public key${key}`;
  const issuer = signer.issuer === undefined ? "" : `, issuer ${signer.issuer}`;
  const who = signer.kind === "sigstore" ? "Sigstore keyless" : "certificate";
  return `${who} ${signer.identity ?? "(no identity)"}${issuer}${key}`;
}

function defaultSignaturePath(path: string): string {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (cause) {
    throw new RampartError("E_USAGE", `there is no model at ${path}`, {
      hint: "pass the model's folder, or its file for a single-file model",
      cause,
    });
  }
  return isFile ? `${path}.sig` : join(path, DEFAULT_SIGNATURE_NAME);
}

function parseShardSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(size)) {
    throw new RampartError("E_USAGE", `--shard-size "${value}" is not a whole number of bytes`, {
      hint: "give the shard size in bytes, e.g. --shard-size 1000000000 (the reference's default)",
    });
  }
  return size;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new RampartError("E_KEY", `cannot read the ${what} file ${file}`, {
      hint: "check the path and that you may read it",
      cause,
    });
  }
}
