import { describe, expect, it } from "vitest";
import { formatUtc, parseDateInput, taiMinusUtcSeconds, tdbJdToUtcMs, utcMsToTdbJd } from "./julian";

const MS_TOL_DAYS = 1e-3 / 86400; // 1 ms

describe("julian dates", () => {
  it("puts J2000 (2000-01-01 12:00 TT) at JD 2451545.0: UTC = TT - 64.184 s", () => {
    // TAI - UTC was 32 s in 2000 (IERS Bulletin C), so 12:00 TT is 11:58:55.816 UTC.
    const utc = Date.parse("2000-01-01T11:58:55.816Z");
    expect(Math.abs(utcMsToTdbJd(utc) - 2451545.0)).toBeLessThan(MS_TOL_DAYS);
  });

  it("follows the leap-second table at its edges", () => {
    expect(taiMinusUtcSeconds(Date.parse("2016-12-31T23:59:59Z"))).toBe(36);
    expect(taiMinusUtcSeconds(Date.parse("2017-01-01T00:00:00Z"))).toBe(37);
    expect(taiMinusUtcSeconds(Date.parse("1990-06-01T00:00:00Z"))).toBe(25);
    expect(taiMinusUtcSeconds(Date.parse("1950-01-01T00:00:00Z"))).toBe(10);
    expect(taiMinusUtcSeconds(Date.parse("2150-01-01T00:00:00Z"))).toBe(37);
  });

  it("round-trips UTC -> TDB JD -> UTC to a millisecond over +/-200 years", () => {
    for (const iso of ["1826-02-27T00:00:00Z", "1986-02-09T11:00:00Z", "2017-01-01T00:00:05Z", "2061-07-28T06:30:00Z", "2225-12-31T23:59:00Z"]) {
      const ms = Date.parse(iso);
      expect(Math.abs(tdbJdToUtcMs(utcMsToTdbJd(ms)) - ms)).toBeLessThan(1);
    }
  });

  it("formats a TDB JD as UTC minutes", () => {
    expect(formatUtc(2451545.0)).toBe("2000-01-01 11:59");
    expect(formatUtc(utcMsToTdbJd(Date.parse("2024-10-01T12:00:00Z")))).toBe("2024-10-01 12:00");
  });

  it("parses dates, date-times and Julian dates", () => {
    expect(parseDateInput("2024-10-01")).toBeCloseTo(utcMsToTdbJd(Date.UTC(2024, 9, 1)), 9);
    expect(parseDateInput(" 2024-10-01 12:30 ")).toBeCloseTo(utcMsToTdbJd(Date.UTC(2024, 9, 1, 12, 30)), 9);
    expect(parseDateInput("2024-10-01T12:30:15Z")).toBeCloseTo(utcMsToTdbJd(Date.UTC(2024, 9, 1, 12, 30, 15)), 9);
    expect(parseDateInput("JD 2460600.5")).toBe(2460600.5);
    expect(parseDateInput("2460600.25")).toBe(2460600.25);
    // Years before 100 must not be read as 19xx (Date.UTC's quirk).
    expect(parseDateInput("0050-01-01")).toBeLessThan(1_740_000);
  });

  it("names the problem in bad dates", () => {
    expect(() => parseDateInput("")).toThrow(/empty/);
    expect(() => parseDateInput("2024-13-01")).toThrow(/month 13/);
    expect(() => parseDateInput("2023-02-29")).toThrow(/day 29/);
    expect(() => parseDateInput("next tuesday")).toThrow(/not a date/);
    expect(() => parseDateInput("2024-01-01 25:00")).toThrow(/out of range/);
  });
});
