import { describe, expect, it } from "vitest";
import type { Column, Table } from "../table/types.js";
import { alignCounts, mergeSparse, POOLED, UNSEEN } from "./categoryCounts.js";
import { type Correction, driftReport, psiSeverity } from "./drift.js";
import { driftFindings } from "./driftFindings.js";
import { categorical, gaussian, numeric, seeded, tableOf } from "./testing.js";

const COLORS = ["red", "green", "blue", "amber", "violet"];
const COLOR_WEIGHTS = [0.4, 0.25, 0.15, 0.12, 0.08];

function pick(random: () => number, values: string[], weights: number[]): string {
  let u = random();
  for (let i = 0; i < values.length; i++) {
    u -= weights[i]!;
    if (u < 0) return values[i]!;
  }
  return values[values.length - 1]!;
}

/**
 * A clean batch of 20 columns: 14 numeric (4 of them with 5% nulls, so null-rate tests run
 * too) and 6 categorical, all drawn from the same distributions every time.
 */
function cleanBatch(random: () => number, n: number): Column[] {
  const columns: Column[] = [];
  for (let c = 0; c < 14; c++) {
    const withNulls = c < 4;
    const values = Array.from({ length: n }, () =>
      withNulls && random() < 0.05 ? null : 10 * c + (c + 1) * gaussian(random),
    );
    columns.push(numeric(`x${c}`, values));
  }
  for (let c = 0; c < 6; c++) {
    columns.push(
      categorical(
        `cat${c}`,
        Array.from({ length: n }, () => pick(random, COLORS, COLOR_WEIGHTS)),
      ),
    );
  }
  return columns;
}

const context = { asset: { kind: "dataset" as const, id: "batch.csv" }, trust: "trusted" as const };

const TRIALS = 200;
let trialBatches: { reference: Table; batch: Table }[] | undefined;

/** 200 seeded pairs of clean batches, made once and shared by the three tests below. */
function trials(): { reference: Table; batch: Table }[] {
  trialBatches ??= Array.from({ length: TRIALS }, (_, trial) => {
    const random = seeded(1000 + trial);
    return {
      reference: tableOf(...cleanBatch(random, 300)),
      batch: tableOf(...cleanBatch(random, 300)),
    };
  });
  return trialBatches;
}

function falseAlarmRate(correction: Correction): number {
  let alarms = 0;
  for (const { reference, batch } of trials()) {
    const report = driftReport(reference, batch, { alpha: 0.05, correction });
    if (report.tests.some((t) => t.significant)) alarms++;
  }
  return alarms / TRIALS;
}

describe("drift on clean batches", () => {
  it("with the Holm correction, 20 clean columns raise a false alarm in at most 5% of batches", () => {
    const random = seeded(1);
    const report = driftReport(
      tableOf(...cleanBatch(random, 300)),
      tableOf(...cleanBatch(random, 300)),
    );
    // 20 distribution tests plus 4 null-rate tests form one family.
    expect(report.tests.filter((t) => t.test !== "null_rate")).toHaveLength(20);
    expect(report.tests.filter((t) => t.test === "null_rate")).toHaveLength(4);
    expect(falseAlarmRate("holm")).toBeLessThanOrEqual(0.05);
  });

  it("Benjamini–Hochberg also keeps clean batches quiet (FDR = FWER when nothing shifted)", () => {
    expect(falseAlarmRate("bh")).toBeLessThanOrEqual(0.05);
  });

  it("without a correction the same clean batches alarm far more often", () => {
    // 24 tests at 5% each: 1 - 0.95^24 ≈ 71% if independent and exact.
    expect(falseAlarmRate("none")).toBeGreaterThan(0.4);
  });
});

describe("drift on a shifted batch", () => {
  function shifted(edit: (columns: Column[], random: () => number) => void) {
    const random = seeded(42);
    const reference = tableOf(...cleanBatch(random, 300));
    const columns = cleanBatch(random, 300);
    edit(columns, random);
    const report = driftReport(reference, tableOf(...columns));
    return { report, findings: driftFindings(report, context) };
  }
  const flagged = (report: ReturnType<typeof driftReport>) =>
    report.tests.filter((t) => t.significant).map((t) => `${t.column}:${t.test}`);

  it("catches a mean shift in one numeric column and names only that column", () => {
    const { report, findings } = shifted((columns, random) => {
      // x5 is 10·5 + 6·N(0,1); move it by one standard deviation.
      columns[5] = numeric(
        "x5",
        Array.from({ length: 300 }, () => 56 + 6 * gaussian(random)),
      );
    });
    expect(flagged(report)).toEqual(["x5:ks"]);
    const finding = findings[0]!;
    expect(finding.detector).toBe("data.validate.drift");
    expect(finding.title).toMatch(/^column "x5" shifted: KS D=/);
    expect(finding.severity).toBe("high");
    expect(finding.evidence).toMatchObject({
      column: "x5",
      test: "ks",
      correction: "holm",
      alpha: 0.05,
      significant: true,
    });
    const evidence = finding.evidence as {
      pvalue: number;
      adjusted_pvalue: number;
      effect_size: Record<string, number>;
    };
    expect(evidence.pvalue).toBeLessThan(evidence.adjusted_pvalue);
    expect(evidence.adjusted_pvalue).toBeLessThan(0.05);
    expect(evidence.effect_size.psi).toBeGreaterThan(0.25);
    expect(evidence.effect_size.wasserstein).toBeGreaterThan(3);
    expect(finding.threats.map((t) => t.id)).toEqual(["ML08"]);
  });

  it("catches a flood of a new category, pooled as (unseen)", () => {
    const { report, findings } = shifted((columns, random) => {
      columns[16] = categorical(
        "cat2",
        Array.from({ length: 300 }, () =>
          random() < 0.3 ? "ultraviolet" : pick(random, COLORS, COLOR_WEIGHTS),
        ),
      );
    });
    expect(flagged(report)).toEqual(["cat2:chi2"]);
    const evidence = findings[0]!.evidence as Record<string, unknown>;
    expect(evidence.unseen).toEqual([{ value: "ultraviolet", count: expect.any(Number) }]);
    expect((evidence.largest_shifts as { category: string }[])[0]?.category).toBe(UNSEEN);
    expect((evidence.effect_size as { jensen_shannon: number }).jensen_shannon).toBeGreaterThan(
      0.2,
    );
    expect(findings[0]!.severity).toBe("high");
  });

  it("catches a null-rate jump", () => {
    const { report, findings } = shifted((columns, random) => {
      columns[9] = numeric(
        "x9",
        Array.from({ length: 300 }, () => (random() < 0.25 ? null : 90 + 10 * gaussian(random))),
      );
    });
    expect(flagged(report)).toEqual(["x9:null_rate"]);
    expect(findings[0]!.title).toMatch(/^column "x9" null rate 0\.0% → 2\d\.\d%/);
    expect(findings[0]!.severity).toBe("high");
  });

  it("marks poisoning threats when the batch comes from an untrusted source", () => {
    const random = seeded(5);
    const reference = tableOf(
      numeric(
        "a",
        Array.from({ length: 300 }, () => gaussian(random)),
      ),
    );
    const batch = tableOf(
      numeric(
        "a",
        Array.from({ length: 300 }, () => 2 + gaussian(random)),
      ),
    );
    const findings = driftFindings(driftReport(reference, batch), {
      ...context,
      trust: "untrusted",
    });
    expect(findings[0]!.threats.map((t) => t.id)).toEqual(["AML.T0020", "ML02", "ML08"]);
  });
});

describe("severity by effect size", () => {
  it("with a huge batch a tiny shift is significant but only low", () => {
    const random = seeded(9);
    const n = 100_000;
    const reference = tableOf(
      numeric(
        "a",
        Array.from({ length: n }, () => gaussian(random)),
      ),
    );
    const batch = tableOf(
      numeric(
        "a",
        Array.from({ length: n }, () => 0.05 + gaussian(random)),
      ),
    );
    const [test] = driftReport(reference, batch).tests;
    expect(test?.significant).toBe(true);
    expect(test?.effect.psi).toBeLessThan(0.1);
    expect(test?.severity).toBe("low");
  });

  it("follows the PSI rule of thumb", () => {
    expect(psiSeverity(0.05)).toBe("low");
    expect(psiSeverity(0.1)).toBe("medium");
    expect(psiSeverity(0.3)).toBe("high");
    expect(psiSeverity(Number.POSITIVE_INFINITY)).toBe("high");
  });
});

describe("category counts", () => {
  it("pools unseen values and merges sparse categories (expected count < 5)", () => {
    const ref = categorical("c", [...Array(50).fill("a"), ...Array(48).fill("b"), "rare", "rare2"]);
    const cur = categorical("c", [
      ...Array(45).fill("a"),
      ...Array(50).fill("b"),
      "new",
      "rare",
      "x",
      "y",
      "z",
    ]);
    const aligned = alignCounts(ref, cur);
    expect(aligned.labels).toEqual(["a", "b", "rare", "rare2", UNSEEN]);
    expect(Array.from(aligned.current)).toEqual([45, 50, 1, 0, 4]);
    expect(aligned.unseen.map((u) => u.value)).toEqual(["new", "x", "y", "z"]);
    const merged = mergeSparse(aligned);
    // rare (2 in all), rare2 (1) and (unseen) (4) are too sparse alone; pooled they reach 7,
    // an expected 3.5 per batch, still below 5, so they join the smallest kept category (a).
    expect(merged.pooled).toEqual(["rare", "rare2", UNSEEN]);
    expect(merged.labels).toEqual([`a+${POOLED}`, "b"]);
    expect(merged.reference).toEqual([52, 48]);
    expect(merged.current).toEqual([50, 50]);
  });

  it("skips columns with nothing to test and columns whose kind changed", () => {
    const reference = tableOf(categorical("only", Array(20).fill("x")), numeric("k", [1, 2]));
    const batch = tableOf(categorical("only", Array(20).fill("x")), categorical("k", ["1", "2"]));
    const report = driftReport(reference, { ...batch, nRows: 20 });
    expect(report.tests).toEqual([]);
    expect(report.skipped.map((s) => s.column)).toEqual(["only", "k"]);
  });
});

describe("columns a shift test says nothing about", () => {
  it("skips identifiers and dates instead of alarming on every batch", () => {
    const ids = (from: number) => Array.from({ length: 100 }, (_, i) => from + i);
    const reference = tableOf(
      numeric("id", ids(0), "BIGINT"),
      categorical(
        "email",
        ids(0).map((i) => `u${i}@example.com`),
      ),
      numeric(
        "day",
        ids(19_000).map((d) => d * 86_400_000),
        "DATE",
      ),
    );
    const batch = tableOf(
      numeric("id", ids(100), "BIGINT"),
      categorical(
        "email",
        ids(100).map((i) => `u${i}@example.com`),
      ),
      numeric(
        "day",
        ids(19_100).map((d) => d * 86_400_000),
        "DATE",
      ),
    );
    const report = driftReport(reference, batch);
    expect(report.tests).toEqual([]);
    expect(report.skipped.map((s) => [s.column, s.reason.split(":")[0]])).toEqual([
      ["id", "identifier-like"],
      ["email", "identifier-like"],
      ["day", "a date/time column"],
    ]);
  });
});
