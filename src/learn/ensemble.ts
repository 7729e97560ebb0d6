/**
 * Soft-voting ensemble: the average of the members' class probabilities (scikit-learn's
 * VotingClassifier(voting="soft") with equal weights). Members err differently (a linear model
 * and trees), so the average is better calibrated than either on mixed tabular data.
 */
import type { Classifier, FitClassifier } from "./types.js";

export function averageOf(...members: FitClassifier[]): FitClassifier {
  return (data, options) => {
    const models: Classifier[] = members.map((fitMember, m) =>
      fitMember(data, { seed: options.seed + m }),
    );
    return {
      nClasses: models[0]!.nClasses,
      nFeatures: data.nFeatures,
      predictProba(X: Float64Array, nRows: number): Float64Array {
        const out = new Float64Array(nRows * models[0]!.nClasses);
        for (const model of models) {
          const p = model.predictProba(X, nRows);
          for (let i = 0; i < out.length; i++) out[i]! += p[i]! / models.length;
        }
        return out;
      },
    };
  };
}
