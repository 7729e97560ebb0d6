import { COMPRESSED_SCANNERS } from "./formats/compressed.js";
import { ggufScanner } from "./formats/gguf.js";
import { joblibScanner } from "./formats/joblib.js";
import { kerasConfigScanner } from "./formats/kerasConfig.js";
import { kerasH5Scanner } from "./formats/kerasH5.js";
import { numpyNpyScanner, numpyNpzScanner } from "./formats/numpy.js";
import { onnxScanner } from "./formats/onnx.js";
import { pickleScanner } from "./formats/pickle.js";
import { pytorchLegacyScanner } from "./formats/pytorchLegacy.js";
import { pytorchTarScanner } from "./formats/pytorchTar.js";
import { pytorchZipScanner, torchscriptScanner } from "./formats/pytorchZip.js";
import { safetensorsScanner } from "./formats/safetensors.js";
import { savedModelScanner } from "./formats/savedModel.js";
import { sevenZipScanner } from "./formats/sevenZip.js";
import { tarScanner } from "./formats/tar.js";
import { zipScanner } from "./formats/zip.js";
import type { FormatScanner } from "./types.js";

/**
 * Every format scanner, in one place. Detection asks them in this order and the first that
 * recognises the content wins, so the specific come before the general: PyTorch and
 * TorchScript zips and npz before plain zip, the PyTorch tar before plain tar, legacy PyTorch
 * and joblib (both pickles underneath) before plain pickle. Formats with a unique magic number
 * can stand anywhere.
 */
export const SCANNERS: readonly FormatScanner[] = [
  torchscriptScanner,
  pytorchZipScanner,
  numpyNpzScanner,
  zipScanner,
  pytorchTarScanner,
  tarScanner,
  sevenZipScanner,
  ...COMPRESSED_SCANNERS,
  numpyNpyScanner,
  kerasH5Scanner,
  safetensorsScanner,
  ggufScanner,
  onnxScanner,
  savedModelScanner,
  kerasConfigScanner,
  pytorchLegacyScanner,
  joblibScanner,
  pickleScanner,
];
