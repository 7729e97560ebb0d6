/**
 * Equal-width histogram with numpy.histogram(a, bins=20)'s exact rules (numpy 1.24,
 * lib/histograms.py, the uniform-bins path): edges = linspace(min, max, bins + 1), a zero-width
 * range widened to [min - 0.5, max + 0.5], the last bin closed on the right, and the same
 * floating-point corrections of the computed bin index against the edges.
 */
export function equalWidthHistogram(
  finite: Float64Array,
  min: number,
  max: number,
  bins: number,
): { edges: number[]; counts: number[] } {
  if (finite.length === 0) return { edges: [], counts: [] };
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const step = (last - first) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + first);
  edges[bins] = last;
  const edgeArray = Float64Array.from(edges);
  const counts = new Float64Array(bins);
  const norm = bins / (last - first);
  for (let i = 0; i < finite.length; i++) {
    const x = finite[i]!;
    let index = Math.trunc((x - first) * norm);
    if (index === bins) index--;
    if (x < edgeArray[index]!) index--;
    else if (x >= edgeArray[index + 1]! && index !== bins - 1) index++;
    counts[index]!++;
  }
  return { edges, counts: Array.from(counts) };
}
