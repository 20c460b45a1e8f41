/**
 * Which catalog comets the scene shows. Pure: summaries (from /api/comets) and the current
 * positions (from /api/catalog/positions, au) in, a 0/1 mask out.
 */

export interface FilterSettings {
  /** Only comets with a period (e < 1). */
  periodicOnly: boolean;
  /** Perihelion distance limit in au (Infinity for none). */
  qMaxAu: number;
  /** Only comets within NEAR_SUN_AU of the Sun at the current time. */
  nearSunOnly: boolean;
}

export const NEAR_SUN_AU = 3;

export const NO_FILTERS: FilterSettings = { periodicOnly: false, qMaxAu: Infinity, nearSunOnly: false };

export interface FilterableComet {
  q: number;
  period_years: number | null;
}

/**
 * Fill `out` (length N) with 1 for comets that pass every filter and 0 otherwise; returns the
 * count shown. positions is flat 3N (au, heliocentric); a NaN position fails "near the Sun".
 */
export function computeVisibility(
  comets: ReadonlyArray<FilterableComet>,
  positions: ArrayLike<number>,
  filters: FilterSettings,
  out: Uint8Array | Float32Array,
): number {
  let shown = 0;
  const r2max = NEAR_SUN_AU * NEAR_SUN_AU;
  for (let k = 0; k < comets.length; k++) {
    const c = comets[k];
    let ok = true;
    if (filters.periodicOnly && c.period_years === null) ok = false;
    if (ok && c.q > filters.qMaxAu) ok = false;
    if (ok && filters.nearSunOnly) {
      const x = positions[3 * k], y = positions[3 * k + 1], z = positions[3 * k + 2];
      const r2 = x * x + y * y + z * z;
      ok = r2 < r2max; // false for NaN
    }
    out[k] = ok ? 1 : 0;
    if (ok) shown++;
  }
  return shown;
}
