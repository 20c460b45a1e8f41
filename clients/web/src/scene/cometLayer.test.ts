import { describe, expect, it } from "vitest";
import { CometLayer } from "./cometLayer";

function segments(layer: CometLayer): number[][] {
  const index = layer.orbits.geometry.getIndex();
  const out: number[][] = [];
  if (!index) return out;
  for (let k = 0; k < index.count; k += 2) out.push([index.getX(k), index.getX(k + 1)]);
  return out;
}

describe("CometLayer", () => {
  it("blends samples while playing and snaps to exact samples when paused", () => {
    const layer = new CometLayer(2, [true, false]);
    layer.pushSample(100, [1, 0, 0, 2, 0, 0], 100, true);
    layer.update(100);
    expect([...layer.display]).toEqual([1, 0, 0, 2, 0, 0]);
    // Playing: the display at the current epoch (100) becomes the start of the blend to t = 102.
    layer.pushSample(102, [3, 0, 0, null, null, null], 100, false);
    layer.update(101);
    expect(layer.display[0]).toBeCloseTo(2, 12);
    expect(layer.display[3]).toBeNaN(); // a failed object stays hidden, not interpolated
    expect(layer.isShown(0)).toBe(true);
    expect(layer.isShown(1)).toBe(false);
    const pos = layer.points.geometry.getAttribute("position");
    expect(pos.getX(0)).toBeCloseTo(2, 6);
  });

  it("builds orbit segments per comet: closed for ellipses, broken at gaps, hidden by the mask", () => {
    const layer = new CometLayer(2, [true, false]);
    const S = 4;
    // comet 0: a closed 4-point loop; comet 1: an open arc with a missing third sample
    const flat = [1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0, 5, 0, 0, 6, 1, 0, null, null, null, 8, 3, 0];
    layer.setOrbits(flat, S, [true, false]);
    expect(segments(layer)).toEqual([[0, 1], [1, 2], [2, 3], [3, 0], [4, 5]]);
    layer.setMask(new Uint8Array([0, 1]));
    expect(segments(layer)).toEqual([[4, 5]]);
  });

  it("picks the shown point nearest on screen, honouring filters and the limiting magnitude", () => {
    const layer = new CometLayer(3, [true, true, true]);
    layer.pushSample(0, [0, 0, 0, 1, 0, 0, 1.05, 0, 0], 0, true);
    layer.update(0);
    const project = (x: number): [number, number] => [100 * x, 50]; // 1 au = 100 px
    const mags = new Float64Array([10, 10, 10]);
    expect(layer.pickScreen(project, 101, 50, 8, mags)).toBe(1);
    layer.setMask(new Uint8Array([1, 0, 1]));
    expect(layer.pickScreen(project, 101, 50, 8, mags)).toBe(2);
    layer.setLimitingMagnitude(9);
    expect(layer.pickScreen(project, 101, 50, 8, mags)).toBeNull();
  });
});
