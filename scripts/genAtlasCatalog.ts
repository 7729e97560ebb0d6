/**
 * Generates src/core/threats/atlas.generated.ts from MITRE ATLAS data (dist/ATLAS.yaml of
 * mitre-atlas/atlas-data), so that every ATLAS id Rampart names is a literal type checked by tsc.
 *
 *   npx tsx scripts/genAtlasCatalog.ts [path/to/ATLAS.yaml] [--check]
 *
 * Without a path it reads ../shared/threats/ATLAS.yaml relative to the repository root. With
 * --check it writes nothing and exits 1 when the committed file is out of date.
 *
 * The output is a pure function of the YAML (no dates, no paths, sorted ids) and is already laid
 * out the way Biome would format it, so regenerating from the same data is a no-op diff.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

const LINE_WIDTH = 100;
const INDENT = "  ";

const TacticSchema = z.object({
  id: z.string().regex(/^AML\.TA\d{4}$/),
  name: z.string().min(1),
});

const TechniqueSchema = z.object({
  id: z.string().regex(/^AML\.T\d{4}(\.\d{3})?$/),
  name: z.string().min(1),
  tactics: z.array(z.string()).optional(),
  "subtechnique-of": z.string().optional(),
});

const AtlasSchema = z.object({
  version: z.string().min(1),
  matrices: z
    .array(z.object({ tactics: z.array(TacticSchema), techniques: z.array(TechniqueSchema) }))
    .min(1),
});

export interface AtlasTacticData {
  id: string;
  name: string;
}

export interface AtlasTechniqueData {
  id: string;
  name: string;
  tactics: string[];
  parent?: string;
}

export interface AtlasCatalogData {
  version: string;
  tactics: AtlasTacticData[];
  techniques: AtlasTechniqueData[];
}

/**
 * Parses and checks ATLAS.yaml. Throws on anything that would make the catalog lie: duplicate
 * ids, a sub-technique whose parent is missing, a technique with no tactic, an unknown tactic.
 */
export function parseAtlasYaml(yamlText: string | Uint8Array): AtlasCatalogData {
  const text = typeof yamlText === "string" ? yamlText : Buffer.from(yamlText).toString("utf8");
  const parsed = AtlasSchema.safeParse(parse(text));
  if (!parsed.success) {
    throw new Error(
      `ATLAS.yaml does not have the expected shape:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const matrix = parsed.data.matrices[0]!;

  const tacticIds = new Set<string>();
  for (const tactic of matrix.tactics) {
    if (tacticIds.has(tactic.id)) throw new Error(`duplicate ATLAS tactic ${tactic.id}`);
    tacticIds.add(tactic.id);
  }

  const byId = new Map<string, (typeof matrix.techniques)[number]>();
  for (const technique of matrix.techniques) {
    if (byId.has(technique.id)) throw new Error(`duplicate ATLAS technique ${technique.id}`);
    byId.set(technique.id, technique);
  }

  const techniques: AtlasTechniqueData[] = [];
  for (const technique of matrix.techniques) {
    const parentId = technique["subtechnique-of"];
    let tactics = technique.tactics;
    if (parentId !== undefined) {
      const parent = byId.get(parentId);
      if (parent === undefined) {
        throw new Error(`ATLAS sub-technique ${technique.id} names a missing parent ${parentId}`);
      }
      if (!technique.id.startsWith(`${parentId}.`) || parent["subtechnique-of"] !== undefined) {
        throw new Error(`ATLAS sub-technique ${technique.id} has an unexpected parent ${parentId}`);
      }
      // ATLAS records tactics on the parent only; a sub-technique serves the same tactics.
      tactics ??= parent.tactics;
    }
    if (tactics === undefined || tactics.length === 0) {
      throw new Error(`ATLAS technique ${technique.id} has no tactics`);
    }
    for (const tactic of tactics) {
      if (!tacticIds.has(tactic)) {
        throw new Error(`ATLAS technique ${technique.id} names an unknown tactic ${tactic}`);
      }
    }
    techniques.push({
      id: technique.id,
      name: technique.name,
      tactics: [...tactics],
      ...(parentId === undefined ? {} : { parent: parentId }),
    });
  }
  // Plain code-unit order on zero-padded ids puts each sub-technique right after its parent.
  techniques.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  return {
    version: parsed.data.version,
    tactics: matrix.tactics.map(({ id, name }) => ({ id, name })),
    techniques,
  };
}

/** The full text of atlas.generated.ts for the given ATLAS.yaml contents. */
export function renderAtlasCatalog(yamlText: string | Uint8Array): string {
  return formatAtlasCatalog(parseAtlasYaml(yamlText));
}

function formatAtlasCatalog(data: AtlasCatalogData): string {
  const tactics = data.tactics.map((tactic) =>
    renderObject(
      [
        ["id", literal(tactic.id)],
        ["name", literal(tactic.name)],
      ],
      INDENT,
    ),
  );
  const techniques = data.techniques.map((technique) => {
    const properties: [string, PropertyValue][] = [
      ["id", literal(technique.id)],
      ["name", literal(technique.name)],
      ["tactics", technique.tactics.map(literal)],
    ];
    if (technique.parent !== undefined) properties.push(["parent", literal(technique.parent)]);
    return renderObject(properties, INDENT);
  });
  const lines = [
    "/**",
    " * MITRE ATLAS tactics, techniques and sub-techniques (ids, names and tactic links only).",
    " *",
    " * GENERATED by scripts/genAtlasCatalog.ts: do not edit. Regenerate with",
    " * `npx tsx scripts/genAtlasCatalog.ts [path/to/ATLAS.yaml]`.",
    ` * Source: ATLAS.yaml (dist/ATLAS.yaml of mitre-atlas/atlas-data), ATLAS version ${data.version}.`,
    " *",
    " * MITRE ATLAS (https://atlas.mitre.org) data is copyright The MITRE Corporation and licensed",
    " * under the Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0).",
    " * Sub-techniques carry their parent's tactics, which ATLAS records on the parent only.",
    " */",
    "",
    `export const ATLAS_VERSION = ${literal(data.version)};`,
    "",
    "export const ATLAS_TACTICS = [",
    ...tactics,
    "] as const;",
    "",
    "export const ATLAS_TECHNIQUES = [",
    ...techniques,
    "] as const;",
    "",
  ];
  return lines.join("\n");
}

type PropertyValue = string | string[];

function literal(text: string): string {
  return JSON.stringify(text);
}

/**
 * An array element `{ ... },` laid out as Biome lays it out: on one line when it fits in the
 * line width, otherwise one property per line, and an array value broken one item per line when
 * even its own line would not fit.
 */
function renderObject(properties: [string, PropertyValue][], indent: string): string {
  const inline = (value: PropertyValue) =>
    typeof value === "string" ? value : `[${value.join(", ")}]`;
  const oneLine = `${indent}{ ${properties.map(([key, value]) => `${key}: ${inline(value)}`).join(", ")} },`;
  if (oneLine.length <= LINE_WIDTH) return oneLine;

  const inner = indent + INDENT;
  const out = [`${indent}{`];
  for (const [key, value] of properties) {
    const line = `${inner}${key}: ${inline(value)},`;
    if (line.length <= LINE_WIDTH || typeof value === "string") {
      out.push(line);
    } else {
      out.push(
        `${inner}${key}: [`,
        ...value.map((item) => `${inner}${INDENT}${item},`),
        `${inner}],`,
      );
    }
  }
  out.push(`${indent}},`);
  return out.join("\n");
}

function main(args: string[]): number {
  const check = args.includes("--check");
  const positional = args.filter((arg) => arg !== "--check");
  if (positional.length > 1 || positional.some((arg) => arg.startsWith("-"))) {
    console.error("usage: npx tsx scripts/genAtlasCatalog.ts [path/to/ATLAS.yaml] [--check]");
    return 2;
  }
  const repoRoot = fileURLToPath(new URL("..", import.meta.url));
  const source =
    positional[0] === undefined
      ? resolve(repoRoot, "../shared/threats/ATLAS.yaml")
      : resolve(positional[0]);
  const target = resolve(repoRoot, "src/core/threats/atlas.generated.ts");

  const data = parseAtlasYaml(readFileSync(source, "utf8"));
  const rendered = formatAtlasCatalog(data);
  const shown = relative(process.cwd(), target);
  if (check) {
    let current: string | undefined;
    try {
      current = readFileSync(target, "utf8");
    } catch {
      current = undefined;
    }
    if (current === rendered) {
      console.log(`${shown} is up to date with ${source}`);
      return 0;
    }
    console.error(`${shown} is out of date with ${source}; run without --check to regenerate`);
    return 1;
  }
  writeFileSync(target, rendered);
  console.log(
    `wrote ${shown}: ATLAS ${data.version}, ${data.tactics.length} tactics, ${data.techniques.length} techniques and sub-techniques`,
  );
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
