import { existsSync } from "node:fs";
import type { AssetRef, Finding } from "../core/index.js";
import { type Store, saveFindings } from "../store/index.js";
import { currentActor, type GlobalOptions, Project } from "./project.js";

/**
 * In an initialised Rampart project, stores a check's findings and puts the check on the ledger
 * (one entry of `kind`, naming the findings). Outside one — no rampart.yaml, no ledger key, no
 * database — it does nothing: a check run on a bare folder still prints its report.
 */
export async function recordFindings(
  project: Project,
  kind: string,
  asset: AssetRef,
  findings: Finding[],
  payload: Record<string, unknown>,
): Promise<void> {
  if (!project.configFound || !existsSync(project.keyFile)) return;
  let store: Store;
  try {
    store = await project.openStore();
  } catch {
    return; // no database: the report still prints
  }
  try {
    await saveFindings(store, findings);
    const writer = project.openWriter(store);
    await writer.append([
      {
        actor: currentActor(),
        kind,
        asset,
        payload: { ...payload, findings: findings.map((f) => f.id) },
      },
    ]);
    await writer.close();
  } finally {
    await store.close();
  }
}

/** Opens the project's store for one command and closes it whatever happens. */
export async function withStore(
  global: GlobalOptions,
  fn: (store: Store, project: Project) => Promise<number>,
): Promise<number> {
  const project = Project.load(global);
  const store = await project.openStore();
  try {
    return await fn(store, project);
  } finally {
    await store.close();
  }
}
