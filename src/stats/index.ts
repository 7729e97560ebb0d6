/**
 * Statistical tests and sketches shared by data/ (validation, drift, profiles) and monitor/.
 * Every function names the reference implementation it matches (scipy, statsmodels, numpy) in
 * its file's header; testdata/make_fixtures.py holds the reference values the tests check.
 */
export {
  type ChiSquareResult,
  type ContingencyResult,
  chiSquareContingency,
  chiSquareGoodnessOfFit,
} from "./chiSquare.js";
export {
  chiSquareCdf,
  chiSquareSf,
  erf,
  erfc,
  logGamma,
  normalCdf,
  normalPpf,
  normalSf,
  regularizedGammaP,
  regularizedGammaQ,
} from "./distributions.js";
export { jensenShannon } from "./jensenShannon.js";
export { KLL_DEFAULT_K, type KllJson, KllSketch } from "./kll.js";
export { kolmogorovSf } from "./kolmogorov.js";
export {
  type KsMethod,
  type KsOptions,
  type KsResult,
  ks2samp,
  ks2sampSorted,
  ksPvalue,
} from "./ks.js";
export { benjaminiHochberg, holm } from "./multipleTesting.js";
export {
  binCounts,
  PSI_DEFAULT_BINS,
  PSI_EPSILON,
  type PsiBin,
  type PsiOptions,
  type PsiResult,
  psi,
  psiEdges,
  psiFromCounts,
} from "./psi.js";
export { quantileSorted, quantilesSorted, quantilesUnsorted, selectRanks } from "./quantile.js";
export { shapiroWilk } from "./shapiroWilk.js";
export { smirnovSf } from "./smirnov.js";
export { sortedCopy, sortedWithoutNaN, sortFloat64InPlace } from "./sort.js";
export { wasserstein1d, wassersteinSorted } from "./wasserstein.js";
export { zTestProportions } from "./zTest.js";
