import { Socket } from "node:net";
import pg from "pg";

/**
 * Which real services the test run can reach. On a newcomer's machine a missing PostgreSQL
 * skips its suites with one line of explanation; under CI=true it fails the run, because a
 * green CI that silently skipped half the store tests would be a lie.
 */
export const POSTGRES_URL =
  process.env.RAMPART_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.RAMPART_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface ServiceStatus {
  postgres: boolean;
  redis: boolean;
}

export async function probeServices(): Promise<ServiceStatus> {
  const [postgres, redis] = await Promise.all([probePostgres(), probeRedis()]);
  return { postgres, redis };
}

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function probeRedis(): Promise<boolean> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(Number(url.port || 6379), url.hostname, () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/** `node --import <this>` runs TypeScript sources in a child process, whatever its cwd. */
export const TSX_LOADER = new URL("../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
