import { ConcatSource } from "../archive/concatSource.js";
import { detectExecutable } from "../archive/executableMagic.js";
import { makeIssue } from "../archive/issues.js";
import { scanTarContainer } from "../archive/tarContainer.js";
import { locateLegacyPickles } from "../archive/torchLegacyLayout.js";
import { CODE_EXECUTION } from "../threats.js";
import type { FormatScanner } from "../types.js";
import { isTarHead } from "./tar.js";

/**
 * PyTorch's legacy tar checkpoint (torch < 0.4 `torch.save`; still read by torch.load through
 * `torch/serialization.py` `legacy_load`): a tar with the members `sys_info`, `pickle`,
 * `storages` and `tensors`. `pickle` is the object pickle torch.load runs; `sys_info` is a
 * pickle; `storages` and `tensors` are stacked pickles with raw storage bytes between them.
 * Every member goes to ctx.scanNested; anything else in the tar is reported as
 * `pytorch.unexpected-member` (high for native executables). torch writes `sys_info` first,
 * which is what detection looks for (any of the four names is accepted).
 */

const MEMBERS = new Set(["sys_info", "pickle", "storages", "tensors"]);

export const pytorchTarScanner: FormatScanner = {
  format: "pytorch-tar",
  description:
    "Legacy PyTorch tar checkpoint (sys_info, pickle, storages, tensors): every member scanned",
  detect(head) {
    if (!isTarHead(head)) return false;
    const nul = head.indexOf(0);
    const name = new TextDecoder().decode(head.subarray(0, nul === -1 || nul > 100 ? 100 : nul));
    return MEMBERS.has(name);
  },
  async scan(input, ctx) {
    await scanTarContainer(input, ctx, {
      async content(entry, source) {
        if (entry.name !== "storages" && entry.name !== "tensors") return source;
        try {
          return new ConcatSource(source, await locateLegacyPickles(entry.name, source));
        } catch (error) {
          ctx.report(
            makeIssue({
              rule: "pytorch.unparsed-member",
              severity: "medium",
              title: `Legacy ${entry.name} member does not follow PyTorch's layout`,
              reason:
                "It was handed to the pickle analyser whole; raw bytes between its pickles may cut that analysis short. torch.load would likely fail on it too.",
              evidence: {
                member: entry.name,
                error: error instanceof Error ? error.message : String(error),
              },
              offset: entry.dataOffset,
            }),
          );
          return source;
        }
      },
      async visit(entry, source) {
        const kind = await detectExecutable(source);
        if (MEMBERS.has(entry.name) && (kind === undefined || kind === "script")) return;
        const executable = kind !== undefined && kind !== "script";
        ctx.report(
          makeIssue({
            rule: "pytorch.unexpected-member",
            severity: executable ? "high" : "low",
            title: executable
              ? `Native executable (${kind}) inside the checkpoint: ${JSON.stringify(entry.name)}`
              : `Member outside the legacy PyTorch layout: ${JSON.stringify(entry.name)}`,
            reason: executable
              ? "Checkpoints hold pickles and tensors, never binaries; a library shipped with a model is a way to get code loaded. Remove it or find out who put it there."
              : "torch.load reads only sys_info, pickle, storages and tensors; this member was scanned by content.",
            evidence: { member: entry.name, ...(kind ? { executable: kind } : {}) },
            offset: entry.headerOffset,
            ...(executable ? { threats: CODE_EXECUTION } : {}),
          }),
        );
      },
    });
  },
};
