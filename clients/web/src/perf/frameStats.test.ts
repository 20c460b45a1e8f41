import { describe, expect, it } from "vitest";
import { FrameStats, quantile } from "./frameStats";

describe("FrameStats", () => {
  it("records intervals between frame starts and the work in each frame", () => {
    const s = new FrameStats(10);
    s.record(1000, 3); // reference only
    s.record(1016, 4);
    s.record(1050, 5);
    expect(s.intervalsMs()).toEqual([16, 34]);
    expect(s.workMs()).toEqual([4, 5]);
    expect(s.count).toBe(2);
    expect(s.total).toBe(2);
  });

  it("keeps the newest frames in order once the ring wraps", () => {
    const s = new FrameStats(3);
    for (let k = 0; k <= 5; k++) s.record(k * 10 + k * k, k); // intervals 11, 13, 15, 17, 19
    expect(s.intervalsMs()).toEqual([15, 17, 19]);
    expect(s.workMs()).toEqual([3, 4, 5]);
    expect(s.total).toBe(5);
    s.reset();
    expect(s.count).toBe(0);
    s.record(500, 1);
    expect(s.intervalsMs()).toEqual([]);
  });

  it("summarises median, 95th percentile and frame rate", () => {
    const s = new FrameStats(200);
    let t = 0;
    s.record(t, 0);
    for (let k = 0; k < 100; k++) { t += k < 95 ? 10 : 50; s.record(t, 2); }
    const sum = s.summary();
    expect(sum.frames).toBe(100);
    expect(sum.intervalMedianMs).toBe(10);
    expect(sum.fps).toBeCloseTo(1000 / 12, 9); // mean interval (95*10 + 5*50) / 100 = 12 ms
    expect(sum.intervalP95Ms).toBeCloseTo(10 + 0.05 * 40, 9); // between the 95th (10) and 96th (50) values
    expect(sum.workMedianMs).toBe(2);
  });

  it("quantile interpolates between order statistics", () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});
