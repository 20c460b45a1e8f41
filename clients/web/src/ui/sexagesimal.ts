/**
 * Sky coordinates for people: right ascension in hours, minutes and seconds of time, and
 * declination in degrees, arcminutes and arcseconds. Rounding happens once, on the smallest
 * unit shown, so 59.96 s carries into the next minute rather than printing "60.0".
 */

/** Parts of a sexagesimal value rounded to `decimals` places in its last unit. */
export interface Sexagesimal {
  negative: boolean;
  whole: number;
  minutes: number;
  seconds: number;
}

/** Split |value| (in units, e.g. hours or degrees) into units, minutes, seconds rounded to `decimals`. */
export function toSexagesimal(value: number, decimals: number): Sexagesimal {
  const scale = 10 ** decimals;
  // Work in integer multiples of the last shown digit so the carry is exact.
  const ticks = Math.round(Math.abs(value) * 3600 * scale);
  const perMinute = 60 * scale, perUnit = 3600 * scale;
  const whole = Math.floor(ticks / perUnit);
  const minutes = Math.floor((ticks - whole * perUnit) / perMinute);
  const seconds = (ticks - whole * perUnit - minutes * perMinute) / scale;
  return { negative: value < 0 && ticks > 0, whole, minutes, seconds };
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function seconds(s: number, decimals: number): string {
  return s.toFixed(decimals).padStart(decimals > 0 ? 3 + decimals : 2, "0");
}

/** Right ascension (degrees, any turn) as "HHh MMm SS.Ss" (24h wraps to 00h). */
export function formatRa(raDeg: number | null | undefined, decimals = 1): string {
  if (raDeg === null || raDeg === undefined || !Number.isFinite(raDeg)) return "\u2014";
  const hours = (((raDeg % 360) + 360) % 360) / 15;
  const p = toSexagesimal(hours, decimals);
  return `${pad2(p.whole % 24)}h ${pad2(p.minutes)}m ${seconds(p.seconds, decimals)}s`;
}

/** Declination (degrees, -90..90) as "+DD° MM′ SS″" (the sign always shown, also for -0° 30′). */
export function formatDec(decDeg: number | null | undefined, decimals = 0): string {
  if (decDeg === null || decDeg === undefined || !Number.isFinite(decDeg)) return "\u2014";
  if (Math.abs(decDeg) > 90) throw new Error(`declination: ${decDeg} is outside -90..90 degrees`);
  const p = toSexagesimal(decDeg, decimals);
  return `${p.negative ? "\u2212" : "+"}${pad2(p.whole)}\u00b0 ${pad2(p.minutes)}\u2032 ${seconds(p.seconds, decimals)}\u2033`;
}

/** Parse what formatRa/formatDec print back to degrees (for tests and copy-paste). */
export function parseSexagesimal(text: string, hours: boolean): number {
  const m = /^([+\-\u2212]?)(\d+)\D+(\d+)\D+(\d+(?:\.\d+)?)\D*$/.exec(text.trim());
  if (!m) throw new Error(`sexagesimal: cannot read '${text}'`);
  const value = Number(m[2]) + Number(m[3]) / 60 + Number(m[4]) / 3600;
  return (m[1] === "-" || m[1] === "\u2212" ? -1 : 1) * value * (hours ? 15 : 1);
}
