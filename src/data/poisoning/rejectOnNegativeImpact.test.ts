import { describe, expect, it } from "vitest";
import { type Interval, rejectOnNegativeImpact } from "./rejectOnNegativeImpact.js";
import { flipSourceLabels, plainContext, syntheticInput } from "./testing/sources.js";

describe("rejectOnNegativeImpact", () => {
  it("rejects the batch that flipped 30% of its labels, against trusted data, with an interval", async () => {
    for (const seed of [1, 2]) {
      const clean = syntheticInput({
        rows: 2000,
        features: 6,
        sources: 10,
        trustedRows: 600,
        seed,
      });
      const { input } = flipSourceLabels(clean, { source: 3, fraction: 0.3, seed });
      const result = await rejectOnNegativeImpact.run(plainContext(input));
      expect(result.sources!.filter((s) => s.flagged).map((s) => s.source)).toEqual(["source3"]);
      expect(result.sources![0]!.source).toBe("source3");
      const finding = result.findings[0]!;
      expect(finding.severity).toBe("high");
      expect(finding.title).toMatch(/Adding source 'source3' makes the model worse.*95% interval/);
      const loss = finding.evidence.logLossChange as Interval;
      expect(loss.low).toBeGreaterThan(0.01);
      expect(loss.low).toBeLessThanOrEqual(loss.mean);
      expect(loss.mean).toBeLessThanOrEqual(loss.high);
      expect(finding.evidence.reference).toBe("trusted");
      expect(finding.threats.map((t) => t.id)).toEqual(["AML.T0020", "AML.T0059", "ML02"]);
    }
  });

  it("rejects nothing when every batch is clean", async () => {
    for (const seed of [3, 4]) {
      const input = syntheticInput({
        rows: 2000,
        features: 6,
        sources: 10,
        trustedRows: 600,
        seed,
      });
      const result = await rejectOnNegativeImpact.run(plainContext(input));
      expect(result.findings).toEqual([]);
      expect(result.sources).toHaveLength(10);
    }
  });

  it("falls back to the other sources without trusted data, and says so", async () => {
    const clean = syntheticInput({ rows: 2000, features: 6, sources: 10, seed: 5 });
    const { input } = flipSourceLabels(clean, { source: 7, fraction: 0.5, seed: 5 });
    const result = await rejectOnNegativeImpact.run(plainContext(input));
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.severity).toBe("medium");
    expect(result.findings[0]!.evidence.reference).toBe("other sources");
    expect(result.findings[0]!.evidence.source).toBe("source7");
  });

  it("is deterministic for a seed", async () => {
    const input = syntheticInput({ rows: 800, features: 4, sources: 4, trustedRows: 200, seed: 6 });
    const a = await rejectOnNegativeImpact.run(plainContext(input));
    const b = await rejectOnNegativeImpact.run(plainContext(input));
    expect(a.sources).toEqual(b.sources);
  });
});
