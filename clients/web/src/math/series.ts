/** Small pure helpers over sampled series (the plots' marks). */

/**
 * Times of the interior local minima of a sampled series (NaN/null skipped), each refined by
 * the parabola through it and its two neighbours (exact for a quadratic minimum, so the mark
 * sits at the minimum rather than at the nearest sample).
 */
export function localMinima(times: ArrayLike<number>, values: ArrayLike<number | null>): number[] {
  const out: number[] = [];
  for (let k = 1; k + 1 < times.length; k++) {
    const a = values[k - 1], b = values[k], c = values[k + 1];
    if (a === null || b === null || c === null || !Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) continue;
    if (!(b < a && b <= c)) continue;
    const h = times[k + 1] - times[k];
    const denom = a - 2 * b + c;
    const shift = denom > 0 && Math.abs(times[k] - times[k - 1] - h) < 1e-9 * Math.abs(h) + 1e-12 ? (0.5 * h * (a - c)) / denom : 0;
    out.push(times[k] + shift);
  }
  return out;
}
