/** Number formatting for the info panel: fixed decimals, an em dash for missing values. */

export const DASH = "\u2014";

export function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toFixed(digits);
}

/** Orbital period in years, or a word for open orbits. */
export function formatPeriod(periodYears: number | null, e: number): string {
  if (periodYears === null || !Number.isFinite(periodYears)) return e >= 1 ? (e === 1 ? "parabolic" : "hyperbolic") : DASH;
  return periodYears >= 1000 ? `${Math.round(periodYears).toLocaleString("en-US")} yr` : `${periodYears.toFixed(2)} yr`;
}
