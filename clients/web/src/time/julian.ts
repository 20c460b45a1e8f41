/**
 * Calendar <-> Julian date conversions for the viewer's clock.
 *
 * The engine works in TDB Julian dates; people type and read UTC. The viewer converts with
 * TDB ~= TT = TAI + 32.184 s = UTC + (TAI - UTC) + 32.184 s, where TAI - UTC comes from the
 * IERS leap-second table (Bulletin C). TDB - TT is periodic and below 2 ms (ignored: the
 * display shows minutes). Before 1972 UTC had no leap seconds; the table's first value (10 s)
 * is used there, and after the last entry the last value, which is the usual convention for
 * a viewer (the server does the precise conversion for ISO strings it receives).
 */

/** Julian date of the Unix epoch 1970-01-01T00:00:00 UTC. */
export const JD_UNIX_EPOCH = 2440587.5;
export const MS_PER_DAY = 86_400_000;
/** TT - TAI in seconds (IAU definition). */
export const TT_MINUS_TAI_S = 32.184;
/** Julian year in days, used for rates and the +/-200 year scrubber. */
export const DAYS_PER_JULIAN_YEAR = 365.25;

/** [UTC Unix ms when it takes effect, TAI - UTC in seconds]: IERS Bulletin C, leap seconds 1972-2017. */
const LEAP_SECONDS: ReadonlyArray<readonly [number, number]> = [
  ["1972-01-01", 10], ["1972-07-01", 11], ["1973-01-01", 12], ["1974-01-01", 13],
  ["1975-01-01", 14], ["1976-01-01", 15], ["1977-01-01", 16], ["1978-01-01", 17],
  ["1979-01-01", 18], ["1980-01-01", 19], ["1981-07-01", 20], ["1982-07-01", 21],
  ["1983-07-01", 22], ["1985-07-01", 23], ["1988-01-01", 24], ["1990-01-01", 25],
  ["1991-01-01", 26], ["1992-07-01", 27], ["1993-07-01", 28], ["1994-07-01", 29],
  ["1996-01-01", 30], ["1997-07-01", 31], ["1999-01-01", 32], ["2006-01-01", 33],
  ["2009-01-01", 34], ["2012-07-01", 35], ["2015-07-01", 36], ["2017-01-01", 37],
].map(([d, s]) => [Date.parse(`${d}T00:00:00Z`), s as number] as const);

/** TAI - UTC in seconds at a UTC instant given as Unix milliseconds. */
export function taiMinusUtcSeconds(utcMs: number): number {
  let value = LEAP_SECONDS[0][1];
  for (const [start, seconds] of LEAP_SECONDS) {
    if (utcMs >= start) value = seconds;
    else break;
  }
  return value;
}

/** TDB - UTC in seconds at a UTC instant (see the module note on TDB ~= TT). */
export function tdbMinusUtcSeconds(utcMs: number): number {
  return taiMinusUtcSeconds(utcMs) + TT_MINUS_TAI_S;
}

/** UTC Unix milliseconds -> TDB Julian date. */
export function utcMsToTdbJd(utcMs: number): number {
  return JD_UNIX_EPOCH + (utcMs + tdbMinusUtcSeconds(utcMs) * 1000) / MS_PER_DAY;
}

/** TDB Julian date -> UTC Unix milliseconds (inverse of utcMsToTdbJd, two fixed-point passes). */
export function tdbJdToUtcMs(jdTdb: number): number {
  const ttMs = (jdTdb - JD_UNIX_EPOCH) * MS_PER_DAY;
  let utcMs = ttMs - tdbMinusUtcSeconds(ttMs) * 1000;
  utcMs = ttMs - tdbMinusUtcSeconds(utcMs) * 1000;
  return utcMs;
}

/** The current time as a TDB Julian date. */
export function nowTdbJd(nowMs: number = Date.now()): number {
  return utcMsToTdbJd(nowMs);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** "YYYY-MM-DD HH:MM" in UTC for a TDB Julian date (years outside 0..9999 are not expected). */
export function formatUtc(jdTdb: number): string {
  const d = new Date(Math.round(tdbJdToUtcMs(jdTdb) / 60_000) * 60_000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  );
}

/** "YYYY-MM-DD" in UTC for a TDB Julian date. */
export function formatUtcDate(jdTdb: number): string {
  return formatUtc(jdTdb).slice(0, 10);
}

/**
 * Parse what a person types in the date field into a TDB Julian date.
 * Accepts "2024-10-01", "2024-10-01 12:00", "2024-10-01T12:00:30Z" (all UTC), and
 * "JD 2460600.5" or a bare Julian date number (TDB). Throws an Error saying what is wrong.
 */
export function parseDateInput(text: string): number {
  const s = text.trim();
  if (s === "") throw new Error("date: empty; type a date like 2024-10-01 or 2024-10-01 12:00 (UTC)");
  const jd = /^(?:jd\s*)?(\d{6,8}(?:\.\d*)?)$/i.exec(s);
  if (jd) {
    const value = Number(jd[1]);
    if (!Number.isFinite(value)) throw new Error(`date: '${s}' is not a Julian date`);
    return value;
  }
  const m = /^(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?)?\s*(?:Z|UTC)?$/i.exec(s);
  if (!m) {
    throw new Error(`date: '${s}' is not a date; use YYYY-MM-DD, YYYY-MM-DD HH:MM (UTC) or JD 2460600.5`);
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0"].map(Number);
  const second = Number(m[6] ?? "0");
  if (month < 1 || month > 12) throw new Error(`date: month ${month} is out of range 1-12`);
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 ? (leap ? 29 : 28) : daysInMonth;
  if (day < 1 || day > maxDay) throw new Error(`date: day ${day} is out of range for month ${month}`);
  if (hour > 23 || minute > 59 || second >= 60) throw new Error(`date: time ${hour}:${minute} is out of range`);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, 0, 0);
  return utcMsToTdbJd(utc.getTime() + second * 1000);
}
