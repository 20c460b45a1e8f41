import { describe, expect, it } from "vitest";
import { nearestOnScreen } from "./picking";

describe("nearestOnScreen", () => {
  const points: ([number, number] | null)[] = [[100, 100], [108, 100], null, [103, 104]];
  it("picks the nearest shown point within the radius", () => {
    expect(nearestOnScreen(4, (k) => points[k], 104, 103, 8)).toBe(3);
    expect(nearestOnScreen(4, (k) => points[k], 107, 99, 8)).toBe(1);
  });
  it("ignores hidden points and points beyond the radius", () => {
    expect(nearestOnScreen(4, (k) => points[k], 200, 200, 8)).toBeNull();
    expect(nearestOnScreen(1, () => null, 100, 100, 8)).toBeNull();
  });
});
