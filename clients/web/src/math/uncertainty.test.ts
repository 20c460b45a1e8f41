import { describe, expect, it } from "vitest";
import { cloneOffsets, formatMagnification, magnificationFor, skyEllipse } from "./uncertainty";

describe("magnificationFor", () => {
  it("is the smallest power of ten that reaches the target", () => {
    expect(magnificationFor(1e-5, 0.02)).toBe(10000); // 1e-5 * 1000 = 0.01 < 0.02
    expect(magnificationFor(2e-5, 0.02)).toBe(1000);
    expect(magnificationFor(0.5, 0.02)).toBe(1);
    expect(magnificationFor(0, 0.02)).toBe(1);
    expect(magnificationFor(Number.NaN, 0.02)).toBe(1);
  });
});

describe("cloneOffsets", () => {
  it("measures offsets from the nominal and drops failed clones", () => {
    const { offsets, rms } = cloneOffsets([[1, 2, 3], null, [1, 2, 5], [1, 2, Number.NaN]], [1, 2, 4]);
    expect(Array.from(offsets)).toEqual([0, 0, -1, 0, 0, 1]);
    expect(rms).toBeCloseTo(1, 15);
  });
});

describe("skyEllipse", () => {
  it("scales arcseconds to pixels and points the major axis north through east", () => {
    const north = skyEllipse(36, 18, 0, 100, 10); // 36" * 10 = 0.1 deg = 10 px
    expect(north.a).toBeCloseTo(10, 12);
    expect(north.b).toBeCloseTo(5, 12);
    expect(Math.cos(north.rotation)).toBeCloseTo(0, 12); // along y (up)
    const east = skyEllipse(36, 18, 90, 100, 1);
    expect(Math.abs(Math.cos(east.rotation))).toBeCloseTo(1, 12); // along x (left)
    const ne = skyEllipse(36, 18, 45, 100, 1);
    expect(Math.cos(ne.rotation)).toBeLessThan(0); // to the left (east) ...
    expect(Math.sin(ne.rotation)).toBeLessThan(0); // ... and up (north)
  });
});

describe("formatMagnification", () => {
  it("writes the factor", () => {
    expect(formatMagnification(1)).toBe("\u00d71");
    expect(formatMagnification(10000)).toBe("\u00d710,000");
    expect(formatMagnification(1e7)).toBe("\u00d710^7");
  });
});
