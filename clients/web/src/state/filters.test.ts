import { describe, expect, it } from "vitest";
import { computeVisibility, NO_FILTERS } from "./filters";

const comets = [
  { q: 0.59, period_years: 75.3 }, // Halley-like, at r = 1 au
  { q: 0.91, period_years: null }, // long-period, at r = 5 au
  { q: 4.2, period_years: 12.1 }, // at r = 2.9 au
  { q: 1.0, period_years: 6.4 }, // failed position (NaN)
];
const positions = [1, 0, 0, 3, 4, 0, 0, 2.9, 0, NaN, NaN, NaN];

describe("computeVisibility", () => {
  it("shows everything without filters", () => {
    const out = new Uint8Array(4);
    expect(computeVisibility(comets, positions, NO_FILTERS, out)).toBe(4);
    expect([...out]).toEqual([1, 1, 1, 1]);
  });

  it("applies periodic, q max and near-Sun filters together", () => {
    const out = new Uint8Array(4);
    expect(computeVisibility(comets, positions, { ...NO_FILTERS, periodicOnly: true }, out)).toBe(3);
    expect([...out]).toEqual([1, 0, 1, 1]);
    computeVisibility(comets, positions, { ...NO_FILTERS, qMaxAu: 1 }, out);
    expect([...out]).toEqual([1, 1, 0, 1]);
    computeVisibility(comets, positions, { ...NO_FILTERS, nearSunOnly: true }, out);
    expect([...out]).toEqual([1, 0, 1, 0]);
    computeVisibility(comets, positions, { periodicOnly: true, qMaxAu: 2, nearSunOnly: true }, out);
    expect([...out]).toEqual([1, 0, 0, 0]);
  });
});
