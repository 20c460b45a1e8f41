import { describe, expect, it } from "vitest";
import { totalMagnitude } from "./magnitude";

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
