import { existsSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import {
  defaultConfig,
  type Ed25519KeyPair,
  loadConfigFile,
  loadPrivateKey,
  loadPublicKey,
  publicKeyPathFor,
  type RampartConfig,
  RampartError,
} from "../core/index.js";
import { isPostgresUrl, LedgerWriter, openStore, type Store } from "../store/index.js";

export interface GlobalOptions {
  json?: boolean;
  db?: string;
  config?: string;
  color?: boolean;
}

/**
 * Where a command runs: the folder holding rampart.yaml, its configuration, and the
 * environment overrides. Precedence for every setting: flag, then environment, then file.
 */
export class Project {
  private constructor(
    readonly configPath: string,
    readonly config: RampartConfig,
    readonly configFound: boolean,
    private readonly options: GlobalOptions,
  ) {}

  static load(options: GlobalOptions): Project {
    const configPath = resolve(options.config ?? "rampart.yaml");
    if (!existsSync(configPath)) {
      if (options.config !== undefined) {
        throw new RampartError("E_CONFIG", `the configuration file ${configPath} does not exist`, {
          hint: "check the --config path, or run `rampart init` in that folder",
        });
      }
      return new Project(configPath, defaultConfig(), false, options);
    }
    return new Project(configPath, loadConfigFile(configPath), true, options);
  }

  get root(): string {
    return dirname(this.configPath);
  }

  path(p: string): string {
    return isAbsolute(p) ? p : resolve(this.root, p);
  }

  get databaseLocation(): string {
    const location =
      this.options.db ?? process.env.RAMPART_DATABASE_URL ?? this.config.store.database_url;
    if (location !== undefined && location !== "") {
      return isPostgresUrl(location) ? location : resolve(location);
    }
    return this.path(this.config.store.path);
  }

  get keyFile(): string {
    const fromEnv = process.env.RAMPART_LEDGER_KEY_FILE;
    return fromEnv !== undefined && fromEnv !== ""
      ? resolve(fromEnv)
      : this.path(this.config.ledger.key_file);
  }

  get stateDir(): string {
    return this.path(".rampart");
  }

  /** Opens the database; outside `init`, a SQLite file must already exist. */
  async openStore(options: { create?: boolean } = {}): Promise<Store> {
    const location = this.databaseLocation;
    if (!options.create && !isPostgresUrl(location) && !existsSync(location)) {
      throw new RampartError("E_NOT_INITIALIZED", `no Rampart database at ${location}`, {
        hint: this.configFound
          ? "run `rampart init` here, or point --db / RAMPART_DATABASE_URL at the database"
          : `no rampart.yaml in ${this.root} either: run \`rampart init\` first, or pass --config`,
      });
    }
    return openStore({ location, sqliteSynchronous: this.config.store.sqlite_synchronous });
  }

  loadSigner(): Ed25519KeyPair {
    return loadPrivateKey(this.keyFile);
  }

  /** The key checkpoints are verified against: an explicit public key, else the ledger key's. */
  trustedLedgerKey(publicKeyFile?: string): ReturnType<typeof loadPublicKey> {
    if (publicKeyFile !== undefined) return loadPublicKey(resolve(publicKeyFile));
    const pub = publicKeyPathFor(this.keyFile);
    if (existsSync(pub)) return loadPublicKey(pub);
    if (existsSync(this.keyFile)) {
      const pair = loadPrivateKey(this.keyFile);
      return { publicKey: pair.publicKey, keyId: pair.keyId };
    }
    throw new RampartError("E_KEY", `no ledger public key at ${pub}`, {
      hint: "pass --public-key with the ledger's public key (.pub), or set RAMPART_LEDGER_KEY_FILE",
    });
  }

  openWriter(store: Store): LedgerWriter {
    return new LedgerWriter(store, {
      signer: this.loadSigner(),
      checkpoint: {
        everyEntries: this.config.ledger.checkpoint.every_entries,
        everySeconds: this.config.ledger.checkpoint.every_seconds,
      },
    });
  }
}

/** Who is acting: RAMPART_ACTOR, else user@host. Recorded on every ledger entry. */
export function currentActor(): string {
  const fromEnv = process.env.RAMPART_ACTOR;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}
