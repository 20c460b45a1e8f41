import { describe, expect, it } from "vitest";
import { brightest } from "./brightestList";

describe("brightest", () => {
  it("orders by magnitude, skips unknown and NaN, breaks ties by catalog order", () => {
    const mags = [12, Number.NaN, 4.5, 12, 3, 20];
    expect(brightest(mags, 3, (k) => k !== 4)).toEqual([2, 0, 3]);
    expect(brightest(mags, 10, () => true)).toEqual([4, 2, 0, 3, 5]);
  });
});
