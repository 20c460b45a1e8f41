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
