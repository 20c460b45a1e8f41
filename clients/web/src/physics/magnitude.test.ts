import { describe, expect, it } from "vitest";
import { activity, catalogMagnitudes, TAIL_MAX_AU, tailLengthAu, totalMagnitude, UNKNOWN_MAGNITUDE } from "./magnitude";

describe("totalMagnitude", () => {
  it("matches the MPC ephemeris of 2P/Encke on 2024-08-16 (21.2, printed to 0.1 mag)", () => {
    // MPC: H = 11.5, K = 6.0, delta = 2.352 au, r = 3.363 au -> m = 21.2 (NUMERICS.md).
    expect(Math.abs(totalMagnitude(11.5, 6.0, 2.352, 3.363) - 21.2)).toBeLessThan(0.1);
  });

  it("reduces to H at 1 au from both Sun and Earth", () => {
    expect(totalMagnitude(7.25, 4, 1, 1)).toBeCloseTo(7.25, 12);
  });

  it("brightens by 5 magnitudes per factor 10 closer to Earth", () => {
    expect(totalMagnitude(10, 4, 0.1, 2) - totalMagnitude(10, 4, 1, 2)).toBeCloseTo(-5, 12);
  });

  it("is NaN for non-physical distances", () => {
    expect(totalMagnitude(10, 4, 0, 1)).toBeNaN();
    expect(totalMagnitude(10, 4, 1, -1)).toBeNaN();
  });
});

describe("catalog magnitudes, activity and tails", () => {
  it("gives each comet H + 5 log delta + 2.5 K log r from the shown positions", () => {
    const out = catalogMagnitudes([5, Number.NaN, 10], [4, 4, 2], [2, 0, 0, 1, 1, 0, Number.NaN, 0, 0], [1, 0, 0], new Float64Array(3));
    expect(out[0]).toBeCloseTo(totalMagnitude(5, 4, 1, 2), 12);
    expect(out[1]).toBe(UNKNOWN_MAGNITUDE);
    expect(out[2]).toBeNaN();
  });

  it("is 1 at heliocentric magnitude 10 and 0 far from the Sun or without H", () => {
    expect(activity(10, 4, 1)).toBeCloseTo(1, 12);
    expect(activity(5, 4, 1)).toBeCloseTo(100, 10);
    expect(activity(5, 4, 6)).toBe(0);
    expect(activity(Number.NaN, 4, 1)).toBe(0);
  });

  it("keeps tails bounded near the Sun and growing with activity", () => {
    const sungrazer = tailLengthAu(activity(7, 4, 0.01), 0.01);
    expect(sungrazer).toBeLessThanOrEqual(2.5 * 0.01 + 1e-15);
    const a3 = tailLengthAu(activity(8, 3.2, 0.64), 0.64);
    expect(a3).toBeGreaterThan(0.2);
    expect(a3).toBeLessThanOrEqual(TAIL_MAX_AU);
    expect(tailLengthAu(activity(10, 4, 1.2), 1.2)).toBeLessThan(0.01);
    expect(tailLengthAu(10, 1)).toBeLessThan(tailLengthAu(100, 1));
  });
});
