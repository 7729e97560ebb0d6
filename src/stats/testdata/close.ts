import { expect } from "vitest";

/**
 * A p-value agrees with its reference to an absolute 1e-6 and, when it is small (< 1e-3),
 * also to a relative 1e-6, so that 1e-30 vs 2e-30 fails.
 */
export function expectPvalue(actual: number, expected: number, label = ""): void {
  expect(Math.abs(actual - expected), `${label} p=${actual} vs ${expected}`).toBeLessThanOrEqual(
    1e-6,
  );
  if (expected < 1e-3) {
    const relative = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / expected;
    expect(relative, `${label} p=${actual} vs ${expected} (relative)`).toBeLessThanOrEqual(1e-6);
  }
}

/** Relative agreement for statistics and distances. */
export function expectRelative(
  actual: number,
  expected: number,
  tolerance = 1e-9,
  label = "",
): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  expect(
    Math.abs(actual - expected) / scale,
    `${label} ${actual} vs ${expected}`,
  ).toBeLessThanOrEqual(tolerance);
}
