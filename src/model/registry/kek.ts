import { resolve } from "node:path";
import { type Kek, loadKek } from "../../store/index.js";

/**
 * The key-encryption key named by RAMPART_KEK_FILE, if any. It lives in the environment, not
 * in rampart.yaml, so the key can sit on another volume (a secrets mount) than the blobs it
 * protects: whoever copies `.rampart/` must not get the key with it.
 */
export function kekFromEnvironment(env: NodeJS.ProcessEnv = process.env): Kek | undefined {
  const file = env.RAMPART_KEK_FILE;
  return file === undefined || file === "" ? undefined : loadKek(resolve(file));
}
