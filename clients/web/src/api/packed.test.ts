import { describe, expect, it } from "vitest";
import { decodeOrbits, decodePositions, isFormatRejection, packJson } from "./packed";

function headers(map: Record<string, string>) {
  const lower = new Map(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name: string) => lower.get(name.toLowerCase()) ?? null };
}

/** Little-endian float32 bytes, written independently of the decoder through a DataView. */
function le32(values: number[]): ArrayBuffer {
  const view = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((v, k) => view.setFloat32(4 * k, v, true));
  return view.buffer;
}

describe("packed float32 bulk data", () => {
  it("decodes catalog positions with their time and count from the headers", () => {
    const body = le32([1.5, -2.25, 0.125, Number.NaN, Number.NaN, Number.NaN]);
    const p = decodePositions(body, headers({ "X-Encke-Count": "2", "X-Encke-Time-Jd": "2460600.123456789", "X-Encke-Catalog-Version": "v1" }));
    expect(p.count).toBe(2);
    expect(p.time_jd).toBe(2460600.123456789); // full float64 precision from the header text
    expect(p.catalog_version).toBe("v1");
    expect([...p.positions.slice(0, 3)]).toEqual([1.5, -2.25, 0.125]);
    expect(Number.isNaN(p.positions[3])).toBe(true);
  });

  it("decodes orbit lines as [comet][sample][xyz]", () => {
    const values = Array.from({ length: 2 * 3 * 3 }, (_, k) => k / 4);
    const o = decodeOrbits(le32(values), headers({ "X-Encke-Count": "2", "X-Encke-Samples": "3" }));
    expect(o.samples).toBe(3);
    expect(o.positions[3 * 3 * 1 + 3 * 2 + 1]).toBe((9 + 6 + 1) / 4); // comet 1, sample 2, y
  });

  it("names the malformed part of a response", () => {
    expect(() => decodePositions(le32([1, 2]), headers({ "X-Encke-Count": "1", "X-Encke-Time-Jd": "2460600.5" }))).toThrow(
      /catalog positions: body has 8 bytes, expected 12/,
    );
    expect(() => decodePositions(le32([1, 2, 3]), headers({ "X-Encke-Count": "1" }))).toThrow(/X-Encke-Time-Jd/);
    expect(() => decodeOrbits(le32([]), headers({ "X-Encke-Count": "x", "X-Encke-Samples": "3" }))).toThrow(/X-Encke-Count: .*'x'/);
  });

  it("packs JSON arrays with null as NaN", () => {
    const p = packJson([1, null, 3]);
    expect(p).toBeInstanceOf(Float32Array);
    expect(p[0]).toBe(1);
    expect(Number.isNaN(p[1])).toBe(true);
  });

  it("falls back to JSON only when the server rejects the format parameter", () => {
    expect(isFormatRejection(422, "format: must be one of json, f32, f64")).toBe(true);
    expect(isFormatRejection(422, "time: not a date; format: unknown")).toBe(true);
    expect(isFormatRejection(422, "time: not a date")).toBe(false);
    expect(isFormatRejection(500, "format: broken")).toBe(false);
  });
});
