#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the `prepare` script).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "rampart: the compiled CLI is missing (dist/cli/main.js).\n" +
      "hint: run `npm install` (or `npm run build`) in the rampart checkout first.\n",
  );
  process.exit(3);
}
try {
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv);
} catch (error) {
  // main() handles every user mistake itself; reaching here is a bug.
  process.stderr.write(`rampart: internal error: ${error?.stack ?? error}\n`);
  process.exitCode = 3;
}
