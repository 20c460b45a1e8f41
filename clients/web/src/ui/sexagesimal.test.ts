import { describe, expect, it } from "vitest";
import { formatDec, formatRa, parseSexagesimal, toSexagesimal } from "./sexagesimal";

describe("sexagesimal sky coordinates", () => {
  it("formats right ascension in hours, minutes and seconds of time", () => {
    // 37.954 deg = 2.530267 h = 2h 31m 48.96s
    expect(formatRa(37.954)).toBe("02h 31m 49.0s");
    expect(formatRa(0)).toBe("00h 00m 00.0s");
    expect(formatRa(-15)).toBe("23h 00m 00.0s");
    expect(formatRa(375)).toBe("01h 00m 00.0s");
    expect(formatRa(null)).toBe("\u2014");
  });

  it("carries a rounded 60 s into the next minute, hour and day", () => {
    // 359.99999 deg = 23h 59m 59.9976s -> rounds to 24h 00m 00.0s -> wraps to 00h
    expect(formatRa(359.99999)).toBe("00h 00m 00.0s");
    // 10h 59m 59.96s
    expect(formatRa((10 + 59 / 60 + 59.96 / 3600) * 15)).toBe("11h 00m 00.0s");
    expect(formatDec(45 + 59 / 60 + 59.6 / 3600)).toBe("+46\u00b0 00\u2032 00\u2033");
  });

  it("formats declination with its sign, also for small negative values", () => {
    expect(formatDec(-0.5)).toBe("\u221200\u00b0 30\u2032 00\u2033");
    expect(formatDec(89.264109)).toBe("+89\u00b0 15\u2032 51\u2033");
    expect(formatDec(-1e-7)).toBe("+00\u00b0 00\u2032 00\u2033"); // rounds to zero: no "-0"
    expect(formatDec(-12.25, 1)).toBe("\u221212\u00b0 15\u2032 00.0\u2033");
    expect(() => formatDec(91)).toThrow(/declination: 91/);
  });

  it("round-trips within the display rounding", () => {
    for (const ra of [0.001, 12.3456, 123.456789, 271.1, 359.5]) {
      // 0.05 s of time = 0.75 arcsec = 2.1e-4 deg
      expect(Math.abs(parseSexagesimal(formatRa(ra), true) - ra)).toBeLessThanOrEqual(0.05 * 15 / 3600 + 1e-12);
    }
    for (const dec of [-89.9999, -45.123456, -0.01, 0, 33.3333, 88.8]) {
      expect(Math.abs(parseSexagesimal(formatDec(dec), false) - dec)).toBeLessThanOrEqual(0.5 / 3600 + 1e-12);
    }
  });

  it("splits into whole units, minutes and seconds", () => {
    expect(toSexagesimal(1.5, 0)).toEqual({ negative: false, whole: 1, minutes: 30, seconds: 0 });
    expect(toSexagesimal(-2.0125, 1)).toEqual({ negative: true, whole: 2, minutes: 0, seconds: 45 });
  });
});
