import { describe, expect, it } from "vitest";
import { Clock, SPAN_YEARS } from "./clock";

const NOW = 2460600.5;

describe("Clock", () => {
  it("stands still until played, then advances at the rate", () => {
    const c = new Clock(NOW, NOW, 0, 2);
    expect(c.epochAt(5000)).toBe(NOW);
    c.play(1, 5000);
    expect(c.epochAt(6500)).toBeCloseTo(NOW + 3, 12);
    expect(c.signedRate).toBe(2);
  });

  it("runs backwards in reverse and keeps the epoch across pause and rate changes", () => {
    const c = new Clock(NOW, NOW, 0, 1);
    c.play(-1, 0);
    expect(c.epochAt(2000)).toBeCloseTo(NOW - 2, 12);
    c.setRate(10, 2000);
    expect(c.epochAt(3000)).toBeCloseTo(NOW - 12, 12);
    c.pause(3000);
    expect(c.epochAt(99_000)).toBeCloseTo(NOW - 12, 12);
    expect(c.signedRate).toBe(0);
  });

  it("stops at the end of the +/-200 year span", () => {
    const c = new Clock(NOW, NOW, 0, 365.25);
    c.play(1, 0);
    const end = c.epochAt(1000 * (SPAN_YEARS + 5));
    expect(end).toBeCloseTo(NOW + SPAN_YEARS * 365.25, 9);
    expect(c.playing).toBe(false);
  });

  it("rejects a non-positive rate", () => {
    const c = new Clock(NOW, NOW, 0);
    expect(() => c.setRate(0, 0)).toThrow(/rate/);
  });
});
