import { resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, RampartError, writeFileAtomically } from "../../../core/index.js";
import { getSnapshot, type SnapshotRecord } from "../../../data/snapshot/index.js";
import { type DatasetRef, toCycloneDx } from "../../../model/bom/index.js";
import {
  getModelVersion,
  type ModelVersion,
  parseModelRef,
} from "../../../model/registry/index.js";
import { Project } from "../../project.js";
import { action, type RunState } from "../../runner.js";
import { VERSION } from "../../version.js";

const SCHEMA = "rampart/model-bom@1";
const FORMATS = ["cyclonedx"] as const;
type Format = (typeof FORMATS)[number];

interface BomOptions {
  format?: string;
  output?: string;
}

/** What the command needs from the registry; a seam so tests can run it without a database. */
export interface BomSource {
  /** The registered version, or undefined when there is none. */
  loadVersion(project: Project, name: string, version: string): Promise<ModelVersion | undefined>;
  /** What is known about the dataset snapshots a version names (digests, URLs). */
  loadDatasets?(project: Project, ids: string[]): Promise<DatasetRef[]>;
}

/** The registry in the project's database; datasets from its snapshot table. */
const registrySource: BomSource = {
  async loadVersion(project, name, version) {
    const store = await project.openStore();
    try {
      return await getModelVersion(store, name, version);
    } finally {
      await store.close();
    }
  },
  async loadDatasets(project, ids) {
    const store = await project.openStore();
    try {
      const refs: DatasetRef[] = [];
      for (const id of ids) {
        const snapshot = await getSnapshot(store.db, id);
        // An id from elsewhere stays in the BOM, described by the id alone.
        if (snapshot !== undefined) refs.push(datasetRef(snapshot));
      }
      return refs;
    } finally {
      await store.close();
    }
  },
};

/** A snapshot as the BOM shows it: dataset name, root digest, source and trust. */
export function datasetRef(snapshot: SnapshotRecord): DatasetRef {
  return {
    id: snapshot.id,
    name: snapshot.dataset,
    version: snapshot.id,
    digest: `sha256:${snapshot.rootDigest}`,
    description: `dataset snapshot from source ${snapshot.source} (trust ${snapshot.trust}, status ${snapshot.status}): ${snapshot.rows} rows in ${snapshot.files.length} file(s), signed by key ${snapshot.keyId}`,
  };
}

export function registerModelBom(
  model: Command,
  state: RunState,
  source: BomSource = registrySource,
): void {
  model
    .command("bom")
    .description("write the CycloneDX 1.6 ML-BOM of a registered model version")
    .argument("<model>", "NAME@VERSION, as listed by `rampart model list`")
    .option("--format <format>", `BOM format: ${FORMATS.join(", ")}`, "cyclonedx")
    .option("-o, --output <file>", "write the BOM to a file instead of standard output")
    .action(
      action<BomOptions>(state, SCHEMA, async ({ out, global }, options, args) => {
        parseFormat(options.format ?? "cyclonedx");
        const { name, version } = parseModelRef(args[0] ?? "");
        const project = Project.load(global);
        const record = await source.loadVersion(project, name, version);
        if (record === undefined) {
          throw new RampartError(
            "E_USAGE",
            `no model ${name} version ${version}; see rampart model list`,
          );
        }
        const datasets =
          record.lineage.datasets.length > 0 && source.loadDatasets !== undefined
            ? await source.loadDatasets(project, record.lineage.datasets)
            : [];
        const bom = toCycloneDx(record, { datasets, toolVersion: VERSION });
        const text = `${JSON.stringify(bom, null, 2)}\n`;

        if (options.output === undefined) {
          // The BOM is the product, so it is what stdout carries even with --json: wrapping it
          // would break `rampart model bom x@1 > bom.json`.
          state.streams.stdout.write(text);
          return ExitCode.ok;
        }
        const path = resolve(options.output);
        writeFileAtomically(path, text, "the BOM");
        out.line(`ML-BOM of ${name}@${version} written to ${options.output}`);
        out.document({
          schema: SCHEMA,
          ok: true,
          findings: [],
          model: { name, version, digest: record.digest },
          format: "cyclonedx",
          specVersion: bom.specVersion,
          serialNumber: bom.serialNumber,
          output: path,
        });
        return ExitCode.ok;
      }),
    );
}

function parseFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new RampartError("E_USAGE", `--format "${value}" is not supported`, {
      hint: `use one of ${FORMATS.join(", ")} (CycloneDX 1.6 JSON)`,
    });
  }
  return value as Format;
}
