import { readFileSync } from "node:fs";
import { RampartError } from "../errors.js";
import { configSchema, type RampartConfig } from "./schema.js";
import { parseYamlWithSchema, type YamlProblem } from "./yamlSchema.js";

export type ConfigProblem = YamlProblem;

/** Reads and validates `rampart.yaml`; throws one RampartError listing every problem. */
export function loadConfigFile(file: string): RampartConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new RampartError("E_CONFIG", `cannot read the configuration file ${file}`, {
      hint: "run `rampart init` to create one, or pass --config PATH",
      cause,
    });
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = "rampart.yaml"): RampartConfig {
  return parseYamlWithSchema(text, configSchema, {
    file,
    what: "a valid Rampart configuration",
    hint: "fix the keys listed above; `rampart init --force` writes a fresh commented file",
    listKnownKeys: true,
  });
}
