import { createRequire } from "node:module";

/** Test-only: 7z archives made by 7-Zip itself (7z-wasm), with any `a` switches. */

interface Module {
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    readFile(path: string): Uint8Array;
    mkdir(path: string): void;
    symlink(target: string, path: string): void;
  };
  callMain(args: string[]): number;
}

const require = createRequire(import.meta.url);

export async function build7z(
  files: Record<string, Uint8Array | string>,
  switches: string[] = [],
  links: Record<string, string> = {},
): Promise<Uint8Array> {
  const factory = require("7z-wasm") as (o: object) => Promise<Module>;
  const m = await factory({ print: () => undefined, printErr: () => undefined });
  m.FS.mkdir("/src");
  const made = new Set<string>();
  for (const [name, data] of Object.entries(files)) {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = `/src/${parts.slice(0, i).join("/")}`;
      if (!made.has(dir)) {
        m.FS.mkdir(dir);
        made.add(dir);
      }
    }
    m.FS.writeFile(
      `/src/${name}`,
      typeof data === "string" ? new TextEncoder().encode(data) : data,
    );
  }
  for (const [name, target] of Object.entries(links)) m.FS.symlink(target, `/src/${name}`);
  const saved = process.exitCode;
  try {
    const rc = m.callMain(["a", "-bd", "-snl", ...switches, "/out.7z", "/src/*"]);
    if (rc !== 0) throw new Error(`7z a failed with ${rc}`);
  } finally {
    process.exitCode = saved;
  }
  return m.FS.readFile("/out.7z");
}
