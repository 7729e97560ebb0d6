import { describe, expect, it } from "vitest";
import { fitLogisticRegression, mulberry32, normal } from "../../learn/index.js";
import { createPoisoningContext } from "./context.js";
import { perSource } from "./perSource.js";
import { flipSourceLabels, syntheticInput } from "./testing/sources.js";
import type { PoisoningInput } from "./types.js";

// Logistic regression alone as the surrogate keeps the test fast; the detector only reads the
// out-of-fold probabilities, whichever model made them.
const context = (input: PoisoningInput) =>
  createPoisoningContext(input, { fit: fitLogisticRegression, refine: false });

describe("perSource", () => {
  it("ranks the contributor that flipped 30% of its labels first, over 5 seeds, flagging no other", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const clean = syntheticInput({ rows: 4000, features: 6, sources: 20, seed });
      const bad = seed % 20;
      const { input } = flipSourceLabels(clean, { source: bad, fraction: 0.3, seed });
      const result = await perSource.run(context(input));
      const ranked = result.sources!;
      expect(ranked[0]!.source, `seed ${seed}`).toBe(`source${bad}`);
      expect(ranked[0]!.flagged).toBe(true);
      expect(ranked.filter((s) => s.flagged).map((s) => s.source)).toEqual([`source${bad}`]);
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]!.severity).toBe("high");
      expect(result.findings[0]!.title).toMatch(/disagree with the out-of-fold model/);
    }
  });

  it("flags nothing on clean data", async () => {
    for (const seed of [6, 7]) {
      const input = syntheticInput({ rows: 3000, features: 5, classes: 3, sources: 20, seed });
      const result = await perSource.run(context(input));
      expect(result.findings).toEqual([]);
      expect(result.sources!.some((s) => s.flagged)).toBe(false);
      expect(result.sources).toHaveLength(20);
    }
  });

  it("catches a source whose rows come from another distribution, against trusted data", async () => {
    const clean = syntheticInput({
      rows: 3000,
      features: 5,
      sources: 10,
      trustedRows: 600,
      seed: 9,
    });
    const random = mulberry32(1);
    const X = Float64Array.from(clean.X);
    // source4 sends rows shifted on two features (labels left alone).
    for (let i = 0; i < clean.nRows; i++) {
      if (clean.sources!.codes[i] !== 4) continue;
      X[i * 5] = X[i * 5]! + 1.5 + 0.1 * normal(random);
      X[i * 5 + 3] = X[i * 5 + 3]! - 1.5;
    }
    const result = await perSource.run(context({ ...clean, X }));
    const top = result.sources![0]!;
    expect(top.source).toBe("source4");
    expect(top.flagged).toBe(true);
    expect(top.evidence.domainAuc as number).toBeGreaterThan(0.8);
    expect(top.evidence.domainReference).toBe("trusted");
    expect(result.sources!.filter((s) => s.flagged)).toHaveLength(1);
  });

  it("does not apply without sources", () => {
    const input = syntheticInput({ rows: 100, features: 3, seed: 1 });
    expect(perSource.applies(input)).toBe(false);
  });
});
