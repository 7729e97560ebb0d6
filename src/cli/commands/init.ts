import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import {
  ExitCode,
  generateEcdsaP256,
  generateEd25519,
  loadEcdsaPrivateKey,
  loadPrivateKey,
  RampartError,
  renderDefaultConfig,
  sha256Hex,
  writeEcdsaKeyPair,
  writeKeyPair,
} from "../../core/index.js";
import { countEntries } from "../../store/index.js";
import { currentActor, Project } from "../project.js";
import { action, type RunState } from "../runner.js";
import { VERSION } from "../version.js";

interface InitOptions {
  force?: boolean;
}

export function registerInit(program: Command, state: RunState): void {
  program
    .command("init")
    .description(
      "set up Rampart here: rampart.yaml, .rampart/ (database, blobs), the ledger and data keys, and the ledger's first entry; run again to add keys a newer Rampart needs",
    )
    .option(
      "--force",
      "rewrite rampart.yaml even if it exists (keys and the ledger are never overwritten)",
    )
    .action(
      action<InitOptions>(state, "rampart/init@1", async ({ out, global }, options) => {
        const configPath = resolve(global.config ?? "rampart.yaml");
        const created: string[] = [];
        if (!existsSync(configPath) || options.force) {
          mkdirSync(dirname(configPath), { recursive: true });
          writeFileSync(configPath, renderDefaultConfig(), { mode: 0o644 });
          created.push(configPath);
        }
        const project = Project.load({ ...global, config: configPath });

        mkdirSync(project.stateDir, { recursive: true, mode: 0o700 });
        const ignore = join(project.stateDir, ".gitignore");
        if (!existsSync(ignore)) {
          // Keys and the database live here: keep them out of the user's repository.
          writeFileSync(ignore, "# Rampart state: keys, database, blobs. Never commit.\n*\n");
        }
        mkdirSync(project.path(project.config.store.blobs), { recursive: true });

        const keyFile = project.keyFile;
        let keyId: string;
        if (existsSync(keyFile)) {
          keyId = loadPrivateKey(keyFile).keyId;
        } else if (process.env.RAMPART_LEDGER_KEY_FILE) {
          throw new RampartError(
            "E_KEY",
            `RAMPART_LEDGER_KEY_FILE names ${keyFile}, which does not exist`,
            {
              hint: "unset it to let `rampart init` make a key, or point it at an Ed25519 PEM key",
            },
          );
        } else {
          const pair = generateEd25519();
          created.push(keyFile, writeKeyPair(keyFile, pair));
          keyId = pair.keyId;
        }

        // The data key signs snapshot manifests. Added on a re-run too: a project set up
        // before snapshots existed gets one without touching its ledger key or database.
        const dataKeyFile = project.path(project.config.data.signing_key_file);
        let dataKeyId: string;
        let dataKeyCreated = false;
        if (existsSync(dataKeyFile)) {
          dataKeyId = loadEcdsaPrivateKey(dataKeyFile, { purpose: "the data signing key" }).keyId;
        } else {
          const pair = generateEcdsaP256();
          created.push(dataKeyFile, writeEcdsaKeyPair(dataKeyFile, pair));
          dataKeyId = pair.keyId;
          dataKeyCreated = true;
        }

        const store = await project.openStore({ create: true });
        try {
          if ((await countEntries(store)) > 0) {
            if (dataKeyCreated) {
              // A key issued is a state change that matters: the ledger shows when and by whom.
              const writer = project.openWriter(store);
              await writer.appendOne({
                actor: currentActor(),
                kind: "data.key.created",
                payload: { key_id: dataKeyId, algorithm: "ecdsa-p256-sha256" },
              });
              await writer.close();
            }
            const rel = (p: string): string => relative(process.cwd(), p) || p;
            for (const path of created) out.line(`created  ${rel(path)}`);
            out.line(
              created.length > 0
                ? `Rampart is already set up here (${store.location}); added what was missing.`
                : `Rampart is already set up here (${store.location}); nothing to do.`,
            );
            out.document({
              schema: "rampart/init@1",
              ok: true,
              findings: [],
              created,
              initialized: false,
            });
            return created.length > 0 ? ExitCode.ok : ExitCode.nothingToDo;
          }
          const writer = project.openWriter(store);
          const entry = await writer.appendOne({
            actor: currentActor(),
            kind: "rampart.init",
            payload: {
              rampart_version: VERSION,
              ledger_key_id: keyId,
              data_key_id: dataKeyId,
              database: store.dialect,
              config_sha256: sha256Hex(readFileSync(configPath)),
            },
          });
          await writer.close();
          const rel = (p: string): string => relative(process.cwd(), p) || p;
          for (const path of created) out.line(`created  ${rel(path)}`);
          out.line(
            `ledger   ${store.location} (entry ${entry.seq}: rampart.init, key ${keyId.slice(0, 16)}…)`,
          );
          out.line("");
          out.line("Next: `rampart audit verify` checks the ledger; `rampart audit log` shows it.");
          out.document({
            schema: "rampart/init@1",
            ok: true,
            findings: [],
            created,
            initialized: true,
            database: store.location,
            ledger: { seq: entry.seq, hash: entry.hash, key_id: keyId },
          });
          return ExitCode.ok;
        } finally {
          await store.close();
        }
      }),
    );
}
