import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, decodeViewState, encodeViewState, type ViewState } from "./urlState";

describe("URL view state", () => {
  it("round-trips a full state", () => {
    const state: ViewState = {
      comet: "C/1995 O1", epochJd: 2460600.123456, model: "nbody",
      camera: [1.5, -2.25, 3, 0.1, 0.2, -0.3], rate: 30.4375, api: "http://127.0.0.1:9000",
    };
    expect(decodeViewState(encodeViewState(state))).toEqual(state);
  });

  it("encodes the defaults as an empty query", () => {
    expect(encodeViewState(DEFAULT_STATE)).toBe("");
    expect(decodeViewState("")).toEqual(DEFAULT_STATE);
  });

  it("keeps designations with spaces and slashes intact", () => {
    const q = encodeViewState({ ...DEFAULT_STATE, comet: "73P-B" });
    expect(decodeViewState(q).comet).toBe("73P-B");
    expect(decodeViewState("?c=C%2F1995%20O1").comet).toBe("C/1995 O1");
  });

  it("rounds the time to 1e-6 day (0.09 s) and the camera to 1e-4 au", () => {
    const q = encodeViewState({ ...DEFAULT_STATE, epochJd: 2460600.1234567891, camera: [1.000049, 0, 0, 0, 0, 0] });
    const s = decodeViewState(q);
    expect(Math.abs((s.epochJd ?? 0) - 2460600.1234567891)).toBeLessThanOrEqual(5e-7);
    expect(s.camera?.[0]).toBe(1);
  });

  it("drops malformed fields instead of failing", () => {
    const s = decodeViewState("?t=yesterday&m=warp&cam=1,2,3&r=fast&api=javascript:alert(1)&c=%20");
    expect(s).toEqual(DEFAULT_STATE);
  });
});
