import { looksLikePickle } from "../pickle/detect.js";
import { analyzePickleStream } from "../pickle/stream.js";
import { UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput } from "../types.js";

/**
 * Plain Python pickles (.pkl, .pickle, .dat, a joblib file without compression …), protocols
 * 0–5, several stacked in one file. Detection is by content (pickle/detect.ts). The stream is
 * read into memory up to `limits.maxInMemoryBytes` and simulated by pickle/vm.ts; a larger
 * one is reported as not scanned (medium), never passed silently.
 */
export const pickleScanner: FormatScanner = {
  format: "pickle",
  description:
    "Python pickle (protocols 0-5, stacked pickles): simulated opcode by opcode, never loaded",

  detect(head: Uint8Array, input: { size: number; name: string }): boolean {
    try {
      return looksLikePickle(head, input.size);
    } catch {
      return false;
    }
  },

  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const size = input.source.size;
    if (size > ctx.limits.maxInMemoryBytes) {
      ctx.report(tooLarge("pickle", size, ctx.limits.maxInMemoryBytes));
      return;
    }
    const bytes = await input.source.read(0, size);
    const result = analyzePickleStream(bytes, ctx.policy);
    for (const issue of result.issues) ctx.report(issue);
    ctx.progress?.(size);
  },
};

/** The issue for a pickle stream too large to simulate in memory. */
export function tooLarge(
  format: "pickle" | "pytorch-legacy",
  size: number,
  limit: number,
): Parameters<ScanContext["report"]>[0] {
  return {
    rule: `${format}.too-large`,
    severity: "medium",
    title: `pickle stream of ${size} bytes not scanned: larger than the ${limit}-byte in-memory limit`,
    reason:
      "Rampart simulates pickles in memory and this one is larger than the configured limit, so nothing in it was checked. Raise the limit if the machine has the memory, or treat the file as unverified: do not load it, and ask the publisher for a safetensors copy.",
    evidence: { size, limit },
    threats: UNSAFE_ARTIFACT,
  };
}
