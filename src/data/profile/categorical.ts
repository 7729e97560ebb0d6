import type { CategoricalColumn } from "../table/index.js";
import { type CategoricalColumnProfile, TOP_VALUES } from "./types.js";

/** Profiles a categorical column from its codes: exact counts, distinct and top values. */
export function profileCategorical(column: CategoricalColumn): CategoricalColumnProfile {
  const counts = new Float64Array(column.dictionary.length);
  let nulls = 0;
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i]!;
    if (code < 0) nulls++;
    else counts[code]!++;
  }
  let distinct = 0;
  for (let code = 0; code < counts.length; code++) if (counts[code]! > 0) distinct++;
  const count = column.codes.length - nulls;

  // Codes are in order of first appearance, so a stable pick by count breaks ties that way.
  const top: number[] = [];
  for (let code = 0; code < counts.length; code++) {
    const n = counts[code]!;
    if (n === 0) continue;
    if (top.length === TOP_VALUES && n <= counts[top[top.length - 1]!]!) continue;
    let at = top.length;
    while (at > 0 && counts[top[at - 1]!]! < n) at--;
    top.splice(at, 0, code);
    if (top.length > TOP_VALUES) top.pop();
  }
  const topCount = top.reduce((sum, code) => sum + counts[code]!, 0);

  return {
    name: column.name,
    kind: "categorical",
    sqlType: column.sqlType,
    count,
    nulls,
    distinct,
    top: top.map((code) => ({ value: column.dictionary[code]!, count: counts[code]! })),
    otherCount: count - topCount,
  };
}
