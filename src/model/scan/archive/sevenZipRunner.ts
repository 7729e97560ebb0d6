import { createRequire } from "node:module";

/**
 * 7-Zip (7z-wasm: 7-Zip 24.09 compiled to WebAssembly) driven in-process for .7z archives,
 * whose format (7-Zip's 7zFormat.txt) is too involved to parse by hand with the safety the
 * other readers have. Each archive gets a fresh module instance and in-memory file system, so
 * no state or file survives between archives. 7-Zip is run twice: `l -slt` to list (sizes,
 * encryption, attributes are checked before anything is extracted) and `x` into the in-memory
 * file system. Two quirks are contained here: the module sets process.exitCode whenever the
 * program exits, which would become Rampart's exit code, so it is restored after every run;
 * and a password is always passed, so that an encrypted archive fails instead of prompting.
 */

interface FsStat {
  mode: number;
  size: number;
}

interface SevenZipFs {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  readdir(path: string): string[];
  lstat(path: string): FsStat;
  mkdir(path: string): void;
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
}

interface SevenZipModule {
  FS: SevenZipFs;
  callMain(args: string[]): number;
}

type SevenZipFactory = (options: {
  print(text: string): void;
  printErr(text: string): void;
}) => Promise<SevenZipModule>;

const require = createRequire(import.meta.url);

export interface SevenZipEntry {
  path: string;
  size: number | undefined;
  packedSize: number | undefined;
  directory: boolean;
  symlink: boolean;
  encrypted: boolean;
  method: string;
  attributes: string;
}

export interface SevenZipListing {
  exitCode: number;
  entries: SevenZipEntry[];
  /** Archive-level lines 7-Zip reported as errors or warnings. */
  errors: string[];
  /** A record repeated a key: a file name with a newline forging listing lines. */
  forged: boolean;
}

export interface ExtractedFile {
  path: string;
  data: Uint8Array;
}

const ARCHIVE = "/in.7z";
const OUT = "/out";
// Any wrong password makes an encrypted archive fail cleanly instead of prompting on stdin.
const PASSWORD = "-prampart-no-password";

export class SevenZipSession {
  private output: string[] = [];

  private constructor(private readonly module: SevenZipModule) {}

  static async open(archive: Uint8Array): Promise<SevenZipSession> {
    const factory = require("7z-wasm") as SevenZipFactory;
    let session: SevenZipSession | undefined;
    const module = await factory({
      print: (text) => session?.output.push(text),
      printErr: (text) => session?.output.push(`! ${text}`),
    });
    session = new SevenZipSession(module);
    module.FS.writeFile(ARCHIVE, archive);
    module.FS.mkdir(OUT);
    return session;
  }

  list(): SevenZipListing {
    const exitCode = this.run(["l", "-slt", "-sccUTF-8", PASSWORD, ARCHIVE]);
    return parseListing(this.output, exitCode);
  }

  /** Extracts everything; returns the regular files found afterwards and 7-Zip's exit code. */
  extract(): { exitCode: number; files: ExtractedFile[]; messages: string[] } {
    const exitCode = this.run(["x", "-y", "-sccUTF-8", PASSWORD, `-o${OUT}`, ARCHIVE]);
    const files: ExtractedFile[] = [];
    this.walk(OUT, "", files);
    return {
      exitCode,
      files,
      messages: this.output.filter((l) => l.startsWith("! ")).map((l) => l.slice(2)),
    };
  }

  private walk(dir: string, prefix: string, files: ExtractedFile[]): void {
    const fs = this.module.FS;
    for (const name of fs.readdir(dir).sort()) {
      if (name === "." || name === "..") continue;
      const full = `${dir}/${name}`;
      const stat = fs.lstat(full);
      // Links are never followed: they were reported from the listing.
      if (fs.isDir(stat.mode)) this.walk(full, `${prefix}${name}/`, files);
      else if (fs.isFile(stat.mode))
        files.push({ path: `${prefix}${name}`, data: fs.readFile(full) });
    }
  }

  private run(args: string[]): number {
    this.output = [];
    const saved = process.exitCode;
    try {
      return this.module.callMain(args);
    } catch (error) {
      this.output.push(`! ${error instanceof Error ? error.message : String(error)}`);
      return 255;
    } finally {
      process.exitCode = saved;
    }
  }
}

export function parseListing(lines: string[], exitCode: number): SevenZipListing {
  const entries: SevenZipEntry[] = [];
  const errors = lines
    .filter((l) => l.startsWith("! ") && l.trim().length > 2)
    .map((l) => l.slice(2).trim());
  const separator = lines.indexOf("----------");
  let forged = false;
  if (separator !== -1) {
    let record = new Map<string, string>();
    const flush = () => {
      if (record.size > 0 && record.has("Path")) entries.push(toEntry(record));
      record = new Map();
    };
    for (const line of lines.slice(separator + 1)) {
      if (line.trim() === "") {
        flush();
        continue;
      }
      const eq = line.indexOf(" = ");
      if (eq === -1) continue;
      const key = line.slice(0, eq);
      if (record.has(key)) forged = true;
      record.set(key, line.slice(eq + 3));
    }
    flush();
  }
  for (const line of lines.slice(0, separator === -1 ? lines.length : separator)) {
    if (
      /^(ERROR|Headers Error|Unconfirmed start|There are data after the end|Warnings?):?/i.test(
        line.trim(),
      )
    ) {
      errors.push(line.trim());
    }
  }
  return { exitCode, entries, errors, forged };
}

function toEntry(record: Map<string, string>): SevenZipEntry {
  const number = (key: string) => {
    const value = record.get(key);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const attributes = record.get("Attributes") ?? "";
  return {
    path: record.get("Path") ?? "",
    size: number("Size"),
    packedSize: number("Packed Size"),
    directory: attributes.startsWith("D") || record.get("Folder") === "+",
    symlink: /(^|\s)l[rwxsStT-]{9}/.test(attributes),
    encrypted: record.get("Encrypted") === "+",
    method: record.get("Method") ?? "",
    attributes,
  };
}
