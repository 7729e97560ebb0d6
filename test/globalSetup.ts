import type { TestProject } from "vitest/node";
import { POSTGRES_URL, probeServices, REDIS_URL } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    services: { postgres: boolean; redis: boolean };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const status = await probeServices();
  const missing = [
    status.postgres ? null : `PostgreSQL (${POSTGRES_URL})`,
    status.redis ? null : `Redis (${REDIS_URL})`,
  ].filter((s): s is string => s !== null);
  if (missing.length > 0) {
    if (process.env.CI === "true") {
      throw new Error(
        `CI=true and ${missing.join(" and ")} unreachable: start them (see DEVELOPERS.md) instead of skipping their suites`,
      );
    }
    console.log(
      `services: ${missing.join(" and ")} unreachable — skipping the suites that need them (start them, see DEVELOPERS.md, to run everything)`,
    );
  } else {
    console.log("services: PostgreSQL and Redis reachable — running every suite");
  }
  project.provide("services", status);
}
