/**
 * Ranking search matches: an exact designation first (1P, C/2023 A3, or the packed form),
 * then names that start with the text, then everything else; inside each group the brightest
 * now (smallest predicted magnitude) first, unknown magnitudes last, then catalog order.
 * So "Tsuchinshan" puts the naked-eye C/2023 A3 (Tsuchinshan-ATLAS) above the faint
 * C/2021 S4 (Tsuchinshan) whenever A3 is the brighter. Pure, so it is unit-tested.
 */

export interface Rankable {
  id: string;
  designation: string;
  name: string;
  index: number;
}

function norm(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, " ");
}

/** 0 exact designation, 1 name prefix, 2 other match. */
export function matchGroup(query: string, c: Rankable): number {
  const q = norm(query);
  if (!q) return 2;
  const ids = [c.id, c.designation, c.name && `${c.id}/${c.name}`].filter(Boolean).map(norm);
  // "1P" matches "1P/Halley"'s designation; "1p/halley" is exact too
  if (ids.includes(q) || norm(c.designation).split("/")[0] === q && /^\d+[pdi]$/i.test(q)) return 0;
  const name = norm(c.name);
  if (name && name.startsWith(q)) return 1;
  return 2;
}

/** The matches sorted for display (a new array); magnitudeOf(index) may return NaN. */
export function rankMatches<T extends Rankable>(query: string, matches: ReadonlyArray<T>, magnitudeOf: (index: number) => number): T[] {
  const keyed = matches.map((c) => {
    const m = magnitudeOf(c.index);
    return { c, g: matchGroup(query, c), m: Number.isFinite(m) ? m : Infinity };
  });
  keyed.sort((a, b) => a.g - b.g || a.m - b.m || a.c.index - b.c.index);
  return keyed.map((k) => k.c);
}
