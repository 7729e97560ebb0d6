import { detectExecutable } from "../archive/executableMagic.js";
import { makeIssue } from "../archive/issues.js";
import { firstLocalName, scanZipContainer } from "../archive/zipContainer.js";
import type { ZipArchive, ZipEntry } from "../archive/zipReader.js";
import type { ByteSource } from "../byteSource.js";
import { CODE_EXECUTION, UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput } from "../types.js";

/**
 * PyTorch checkpoints (torch.save since 1.6) and TorchScript archives (torch.jit.save), after
 * the PyTorch serialization docs ("torch.save … uses a zip64 file", `torch/serialization.py`,
 * `caffe2/serialize/inline_container.h`). Both are zips whose records sit under one folder:
 *
 *   <folder>/data.pkl            the pickle torch.load runs
 *   <folder>/data/<key>          tensor storages, raw bytes
 *   <folder>/version, byteorder, .format_version, .storage_alignment, .data/serialization_id
 *   TorchScript adds code/**.py (TorchScript source), code/**.debug_pkl (pickles),
 *   constants.pkl (pickle), constants/, extra/ (user files), .data/version
 *
 * Every member is handed to ctx.scanNested, whatever its name: pickles are found by content,
 * so a pickle stored as `data/0` is analysed as surely as `data.pkl`. On top of the zip checks
 * this reports members a checkpoint should not carry (`pytorch.unexpected-member`): native
 * executables by magic (high), Python or other code files in a plain checkpoint (medium),
 * anything else outside the layout (low).
 *
 * Detection reads only the first local header: torch.save writes `<folder>/data.pkl` first;
 * torch.jit.save writes tensors (`<folder>/data/0`), constants or code first. Anything else
 * falls through to the generic zip scanner.
 */

const CHECKPOINT_FIRST =
  /^[^/]+\/(data\.pkl|\.format_version|byteorder|version|\.data\/serialization_id)$/;
const TORCHSCRIPT_FIRST =
  /^[^/]+\/(data\/\d+|constants\.pkl|constants\/.+|code\/.+|\.data\/version|attributes\.pkl|model\.json)$/;

const CHECKPOINT_LAYOUT =
  /^(data\.pkl|version|byteorder|\.format_version|\.storage_alignment|\.data\/serialization_id|\.data\/version|data\/[^/]+)$/;
const TORCHSCRIPT_LAYOUT =
  /^(constants\.pkl|constants\/.+|code\/.+|extra\/.+|attributes\.pkl|model\.json|\.data\/.+|tensors\/.+|libs\/.+)$/;
const CODE_NAME = /\.(py|pyc|pyo|pyw|so|dll|dylib|sh|bash|bat|cmd|ps1|exe|js|jar)$/i;

export const pytorchZipScanner: FormatScanner = {
  format: "pytorch-zip",
  description:
    "PyTorch zip checkpoint (torch.save): every member scanned, data.pkl by the pickle analyser",
  detect(head) {
    const name = firstLocalName(head);
    return name !== undefined && CHECKPOINT_FIRST.test(name);
  },
  scan: (input, ctx) => scanTorchArchive(input, ctx, false),
};

export const torchscriptScanner: FormatScanner = {
  format: "torchscript",
  description: "TorchScript archive (torch.jit.save): code, constants and data pickles all scanned",
  detect(head) {
    const name = firstLocalName(head);
    return name !== undefined && TORCHSCRIPT_FIRST.test(name);
  },
  scan: (input, ctx) => scanTorchArchive(input, ctx, true),
};

interface Layout {
  root: string;
  torchscript: boolean;
}

async function scanTorchArchive(
  input: ScanInput,
  ctx: ScanContext,
  declaredTorchScript: boolean,
): Promise<void> {
  let layout: Layout = { root: "", torchscript: declaredTorchScript };
  await scanZipContainer(input, ctx, {
    prepare(archive) {
      layout = describeLayout(archive, declaredTorchScript);
    },
    visit: (entry, source) => checkMember(entry, source, layout, ctx),
  });
}

function describeLayout(archive: ZipArchive, declaredTorchScript: boolean): Layout {
  // PyTorch's reader takes the archive folder from the first record, as done here.
  const first = archive.entries.find((e) => !e.hidden);
  const slash = first?.name.indexOf("/") ?? -1;
  const root = first && slash > 0 ? first.name.slice(0, slash) : "";
  const torchscript =
    declaredTorchScript ||
    archive.entries.some(
      (e) => e.name === `${root}/constants.pkl` || e.name.startsWith(`${root}/code/`),
    );
  return { root, torchscript };
}

async function checkMember(
  entry: ZipEntry,
  source: ByteSource,
  layout: Layout,
  ctx: ScanContext,
): Promise<void> {
  const name = entry.name;
  const kind = await detectExecutable(source);
  const evidence = { member: name, torchscript: layout.torchscript };
  if (kind !== undefined && kind !== "script") {
    ctx.report(
      makeIssue({
        rule: "pytorch.unexpected-member",
        severity: "high",
        title: `Native executable (${kind}) inside the checkpoint: ${JSON.stringify(name)}`,
        reason:
          "Model checkpoints hold pickles and raw tensors, never binaries. A shared library shipped with a model is a classic way to get code loaded next to it (a custom op, an LD_PRELOAD, a pickle that imports it). Remove it, or find out who put it there.",
        evidence: { ...evidence, executable: kind },
        threats: CODE_EXECUTION,
      }),
    );
    return;
  }
  const prefix = `${layout.root}/`;
  const relative = name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  const inLayout =
    relative !== undefined &&
    (CHECKPOINT_LAYOUT.test(relative) || (layout.torchscript && TORCHSCRIPT_LAYOUT.test(relative)));
  const codeFile = CODE_NAME.test(name) || kind === "script";
  const tsSource =
    layout.torchscript && relative?.startsWith("code/") === true && /\.py$/.test(name);
  if (codeFile && !tsSource) {
    ctx.report(
      makeIssue({
        rule: "pytorch.unexpected-member",
        severity: "medium",
        title: `Code file inside the ${layout.torchscript ? "TorchScript archive" : "checkpoint"}: ${JSON.stringify(name)}`,
        reason:
          "torch.load does not run it, but code shipped inside a model file is often meant to be run by a loader script or a pickle that imports it. Check where it comes from before loading the model.",
        evidence: { ...evidence, script: kind === "script" },
        threats: UNSAFE_ARTIFACT,
      }),
    );
    return;
  }
  if (!inLayout) {
    ctx.report(
      makeIssue({
        rule: "pytorch.unexpected-member",
        severity: "low",
        title: `Member outside the PyTorch layout: ${JSON.stringify(name)}`,
        reason:
          relative === undefined
            ? `torch.load reads only members under "${layout.root}/"; other members are ignored by it but may be used by other tools. It was scanned.`
            : "Not a file torch.save or torch.jit.save writes; it was scanned by content.",
        evidence,
      }),
    );
  }
}
