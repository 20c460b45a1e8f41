import { describe, expect, it } from "vitest";
import { extrapolate, hermite, lerpFrames, type Vec3 } from "./interpolate";

describe("lerpFrames", () => {
  it("blends linearly inside the interval and clamps outside", () => {
    const a = [0, 0, 0, 1, 1, 1], b = [2, 4, 6, 1, 1, 3];
    const out = new Float64Array(6);
    lerpFrames(a, 10, b, 20, 12.5, out);
    expect([...out]).toEqual([0.5, 1, 1.5, 1, 1, 1.5]);
    lerpFrames(a, 10, b, 20, 99, out);
    expect([...out]).toEqual(b);
    lerpFrames(a, 10, b, 20, -5, out);
    expect([...out]).toEqual(a);
  });

  it("works backwards in time (reverse play) and keeps NaN for failed objects", () => {
    const out = new Float64Array(3);
    lerpFrames([0, NaN, 4], 20, [10, 1, 8], 10, 15, out);
    expect(out[0]).toBe(5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(6);
  });
});

describe("hermite", () => {
  it("is exact for cubic motion", () => {
    const p = (t: number): Vec3 => [t ** 3 - 2 * t, 0.5 * t * t, 7 - t];
    const v = (t: number): Vec3 => [3 * t * t - 2, t, -1];
    for (const t of [1.0, 1.3, 1.77, 2.0]) {
      const got = hermite(p(1), v(1), 1, p(2), v(2), 2, t);
      got.forEach((g, k) => expect(g).toBeCloseTo(p(t)[k], 12));
    }
  });

  it("has the cubic error bound (h w)^4 / 384 on circular motion (1/100 revolution: 4e-8 au)", () => {
    const w = 2 * Math.PI / 365.25; // rad/day, 1 au circle
    const s = (t: number): [Vec3, Vec3] => [[Math.cos(w * t), Math.sin(w * t), 0], [-w * Math.sin(w * t), w * Math.cos(w * t), 0]];
    const [p0, v0] = s(0), [p1, v1] = s(3.6525);
    const got = hermite(p0, v0, 0, p1, v1, 3.6525, 1.82625);
    const [want] = s(1.82625);
    expect(Math.hypot(got[0] - want[0], got[1] - want[1], got[2] - want[2])).toBeLessThan(((w * 3.6525) ** 4) / 384 * 1.01);
  });
});

describe("extrapolate", () => {
  it("moves along the velocity", () => {
    expect(extrapolate([1, 2, 3], [0.1, 0, -0.2], 100, 110)).toEqual([2, 2, 1]);
  });
});
