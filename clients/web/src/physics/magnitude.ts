/**
 * Predicted total magnitude of a comet (MPC convention):
 *   m = H + 5 log10(delta) + 2.5 K log10(r)
 * with delta the comet-Earth distance and r the comet-Sun distance, both in au. H and K are
 * the catalog's absolute magnitude and slope (Horizons' M1 and k1 = 2.5 K). The server gives
 * `tmag` with every position; the viewer uses this only when it must recompute for display.
 */
export function totalMagnitude(H: number, K: number, deltaAu: number, rAu: number): number {
  if (!(deltaAu > 0) || !(rAu > 0)) return Number.NaN;
  return H + 5 * Math.log10(deltaAu) + 2.5 * K * Math.log10(rAu);
}

/** Magnitude assumed for comets whose catalog entry has no H/K (drawn as faint dots). */
export const UNKNOWN_MAGNITUDE = 18;

/**
 * Predicted total magnitude of every catalog comet from positions the viewer holds (flat 3N
 * heliocentric au) and the Earth's position (au; null when the planets are unknown, then
 * delta = r). Geometric distances, no light time: for ranking and drawing, not for the panel
 * (which shows the engine's /observe value). NaN H or K gives UNKNOWN_MAGNITUDE; NaN positions NaN.
 */
export function catalogMagnitudes(
  H: ArrayLike<number>, K: ArrayLike<number>, positions: ArrayLike<number>, earth: ArrayLike<number> | null, out: Float64Array,
): Float64Array {
  for (let k = 0; k < out.length; k++) {
    const x = positions[3 * k], y = positions[3 * k + 1], z = positions[3 * k + 2];
    const r = Math.sqrt(x * x + y * y + z * z);
    const delta = earth ? Math.hypot(x - earth[0], y - earth[1], z - earth[2]) : r;
    if (!Number.isFinite(r)) out[k] = Number.NaN;
    else if (!Number.isFinite(H[k]) || !Number.isFinite(K[k])) out[k] = UNKNOWN_MAGNITUDE;
    else out[k] = totalMagnitude(H[k], K[k], delta, r);
  }
  return out;
}

/**
 * A comet's activity for drawing its coma and tails: 10^(-0.4 (m_h - 10)), with the
 * heliocentric magnitude m_h = H + 2.5 K log10(r) (its brightness at 1 au from the observer).
 * 1 at m_h = 10, 100 at m_h = 5. 0 without H/K or beyond maxR au (no visible tail).
 * The points' vertex shader (scene/cometMaterial.ts) evaluates the same formula for the coma.
 */
export function activity(H: number, K: number, rAu: number, maxR = TAIL_MAX_R_AU): number {
  if (!Number.isFinite(H) || !Number.isFinite(K) || !(rAu > 0) || rAu > maxR) return 0;
  return Math.pow(10, -0.4 * (H + 2.5 * K * Math.log10(rAu) - 10));
}

/** Comets farther than this from the Sun (au) get no tails. */
export const TAIL_MAX_R_AU = 5;
/** The longest ion tail drawn (au): a saturating law keeps sungrazers plausible. */
export const TAIL_MAX_AU = 0.35;

/** Activity at which the tail reaches 63% of TAIL_MAX_AU. */
export const TAIL_ACTIVITY_SCALE = 20;

/**
 * Ion tail length (au): TAIL_MAX_AU (1 - exp(-activity / TAIL_ACTIVITY_SCALE)), at most 2.5 r.
 * It saturates instead of growing as r^-2 the way Celestia's does, so comets at small
 * perihelia keep tails of a few tenths of an au (C/2023 A3, H = 8, K = 3.2, at 0.64 au:
 * 0.26 au; an H = 10 comet at 1.2 au: under 0.01 au).
 */
export function tailLengthAu(act: number, rAu: number): number {
  return Math.min(TAIL_MAX_AU * (1 - Math.exp(-act / TAIL_ACTIVITY_SCALE)), 2.5 * rAu);
}
