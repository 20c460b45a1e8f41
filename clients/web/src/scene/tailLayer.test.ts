import { describe, expect, it } from "vitest";
import { activity, tailLengthAu } from "../physics/magnitude";
import { TAIL_MIN_AU, TailLayer, tailedComets } from "./tailLayer";

// C/2023 A3-like (H = 8, K = 3.2) at 0.64 au; a faint comet (H = 15, K = 10) at 1.5 au;
// the bright one again beyond 5 au; one without H/K; one hidden by the filters.
const H = [8, 15, 8, Number.NaN, 8];
const K = [3.2, 10, 3.2, Number.NaN, 3.2];
const positions = [0.64, 0, 0, 1.5, 0, 0, 6, 0, 0, 0.8, 0, 0, 0, 0.7, 0];
const visible = [1, 1, 1, 1, 0];

describe("tailedComets", () => {
  it("keeps only shown comets with H/K near the Sun whose tail is long enough", () => {
    const out = new Uint32Array(5);
    expect(tailLengthAu(activity(15, 10, 1.5), 1.5)).toBeLessThan(TAIL_MIN_AU);
    const n = tailedComets(positions, visible, H, K, 30, null, out);
    expect([...out.slice(0, n)]).toEqual([0]);
  });

  it("drops comets fainter than the limiting magnitude seen from the Earth", () => {
    const out = new Uint32Array(5);
    // m = 8 + 5 log10(delta) + 8 log10(0.64): ~6.5 at delta = 1 au (Earth at 1.64, 0, 0)
    expect(tailedComets(positions, visible, H, K, 7, [1.64, 0, 0], out)).toBe(1);
    expect(tailedComets(positions, visible, H, K, 6, [1.64, 0, 0], out)).toBe(0);
  });
});

describe("TailLayer", () => {
  it("draws instances for the tailed comets only, with their own attributes", () => {
    const pole = new Float32Array(15);
    for (let k = 0; k < 5; k++) pole[3 * k + 2] = k + 1; // tell the comets apart
    const layer = new TailLayer(5, H, K, pole);
    const p = Float32Array.from([0.9, 0, 0, 0.64, 0, 0, 6, 0, 0, 0.8, 0, 0, 0, 0.7, 0]);
    layer.update(p, Float32Array.from(visible));
    expect(layer.count).toBe(2); // comet 1 moved to 0.64 au: with K = 10 it is now active
    const mesh = layer.group.children[0] as unknown as { geometry: { instanceCount: number; getAttribute(n: string): { array: Float32Array } } };
    expect(mesh.geometry.instanceCount).toBe(2);
    expect([...mesh.geometry.getAttribute("iPos").array.slice(0, 6)]).toEqual([...p.slice(0, 6)]);
    expect(mesh.geometry.getAttribute("iPole").array[5]).toBe(2);
    const r1 = Math.fround(0.64);
    expect(mesh.geometry.getAttribute("iActivity").array[1]).toBeCloseTo(activity(15, 10, r1), 5);
    expect(mesh.geometry.getAttribute("iLength").array[1]).toBeCloseTo(tailLengthAu(activity(15, 10, r1), r1), 7);
  });
});
