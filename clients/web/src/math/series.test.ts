import { describe, expect, it } from "vitest";
import { localMinima } from "./series";

describe("localMinima", () => {
  it("finds the vertex of a sampled parabola between samples", () => {
    const t = [0, 1, 2, 3, 4, 5];
    const v = t.map((x) => (x - 2.3) ** 2 + 1);
    const m = localMinima(t, v);
    expect(m).toHaveLength(1);
    expect(m[0]).toBeCloseTo(2.3, 12);
  });
  it("finds each minimum and skips gaps and the ends", () => {
    const t = [0, 1, 2, 3, 4, 5, 6];
    const m = localMinima(t, [5, 1, 5, 6, 2, 7, 0]);
    expect(m).toHaveLength(2);
    expect(m[0]).toBe(1); // symmetric neighbours: the sample itself
    expect(m[1]).toBeCloseTo(4 + (0.5 * (6 - 7)) / (6 - 4 + 7), 12);
    expect(localMinima(t, [5, null, 5, 6, 2, null, 0])).toEqual([]);
  });
});
