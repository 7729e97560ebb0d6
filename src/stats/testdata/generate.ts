/**
 * Deterministic samples shared with make_fixtures.py: mulberry32 uniforms transformed with
 * + - * / and floor only, so Python and JavaScript produce bit-identical data and the fixtures
 * need to store only the recipe, not the values.
 */
import { mulberry32 } from "../../learn/index.js";

export interface SampleRecipe {
  seed: number;
  n: number;
  /** normal: Irwin–Hall(4) centred; normal12: Irwin–Hall(12) centred; skew: u³; uniform: u. */
  kind: "normal" | "normal12" | "skew" | "uniform";
  shift: number;
  scale: number;
  /** When > 0, values are floored to multiples of 1/roundTo (creates ties). */
  roundTo: number;
}

// The same generator make_fixtures.py reimplements, so both sides draw identical samples.
export { mulberry32 };

export function generate(recipe: SampleRecipe): Float64Array {
  const random = mulberry32(recipe.seed);
  const out = new Float64Array(recipe.n);
  for (let i = 0; i < recipe.n; i++) {
    let x: number;
    if (recipe.kind === "normal") {
      x = random() + random() + random() + random() - 2;
    } else if (recipe.kind === "normal12") {
      x = 0;
      for (let j = 0; j < 12; j++) x += random();
      x -= 6;
    } else if (recipe.kind === "skew") {
      const u = random();
      x = u * u * u;
    } else {
      x = random();
    }
    x = x * recipe.scale + recipe.shift;
    if (recipe.roundTo > 0) x = Math.floor(x * recipe.roundTo) / recipe.roundTo;
    out[i] = x;
  }
  return out;
}
