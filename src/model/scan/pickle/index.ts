/**
 * Pickle analysis by simulation (never execution), for every scanner that meets a pickle:
 * plain pickles, PyTorch checkpoints (legacy and zip data.pkl), joblib, numpy object arrays.
 * `analyzePickle` judges one pickle, `analyzePickleStream` a run of stacked pickles,
 * `runPickle` is the bare machine, `looksLikePickle` the content sniffer.
 */
export { type AnalyzeOptions, analyzePickle, judge, type PickleAnalysis } from "./analyze.js";
export { looksLikePickle, startsLikePickle } from "./detect.js";
export {
  ARG_KINDS,
  type ArgKind,
  OPCODE_BY_CODE,
  OPCODES,
  type OpcodeInfo,
  opcodeName,
} from "./opcodes.js";
export { analyzePickleStream, type StreamAnalysis, type StreamOptions } from "./stream.js";
export type { Value } from "./values.js";
export {
  DEFAULT_VM_LIMITS,
  type GlobalUse,
  runPickle,
  type VmBreak,
  type VmLimits,
  type VmResult,
} from "./vm.js";
