import { describe, expect, it } from "vitest";
import { horizontal, localSiderealDeg, separationDeg, stereographic, toHorizontal } from "./projection";

describe("sky projections", () => {
  it("puts the centre at the origin and north up, east left", () => {
    expect(stereographic(120, 30, 120, 30)).toEqual([0, 0]);
    const north = stereographic(120, 31, 120, 30)!;
    expect(north[1]).toBeGreaterThan(0);
    const east = stereographic(121, 30, 120, 30)!;
    expect(east[0]).toBeGreaterThan(0); // drawn at -x: left
  });
  it("keeps angular distances near the centre (scale 1 rad per rad)", () => {
    const p = stereographic(120, 31, 120, 30)!;
    expect(Math.hypot(p[0], p[1])).toBeCloseTo((1 * Math.PI) / 180, 4);
    expect(separationDeg(10, 0, 20, 0)).toBeCloseTo(10, 10);
  });
  it("maps the horizon to the unit circle and the zenith to the centre", () => {
    const h = horizontal(90, 0)!;
    expect(Math.hypot(h[0], h[1])).toBeCloseTo(1, 12);
    expect(h[0]).toBeLessThan(0); // east on the left
    expect(horizontal(0, 90)![1]).toBeCloseTo(0, 12);
  });
  it("recovers the sidereal time from one direction and round-trips other stars", () => {
    const lat = 48.2, lst = 77.7;
    const [az, el] = toHorizontal(40, 20, lst, lat);
    expect(localSiderealDeg(40, 20, az, el, lat)).toBeCloseTo(lst, 9);
    const [az2, el2] = toHorizontal(300, -10, lst, lat);
    expect(el2).toBeLessThan(90);
    expect(Number.isFinite(az2)).toBe(true);
    // Polaris-like star stays near the latitude's elevation
    expect(toHorizontal(0, 89.9, lst, lat)[1]).toBeCloseTo(lat, 0);
  });
});
