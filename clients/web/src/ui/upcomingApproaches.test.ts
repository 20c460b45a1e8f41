import { describe, expect, it } from "vitest";
import type { Approach } from "../api/types";
import { upcomingRows } from "./upcomingApproaches";

const row = (designation: string, t: number, d: number): Approach => ({
  designation, body: "earth", time_tdb_jd: t, distance_au: d, speed_km_s: 20, time_3sigma_days: null, distance_3sigma_au: null,
});

describe("upcomingRows", () => {
  it("orders the catalog's approaches by date and keeps the first ones", () => {
    const rows = [row("B", 3, 0.5), row("A", 1, 0.9), row("C", 3, 0.2), row("D", 2, 0.7)];
    expect(upcomingRows(rows).map((r) => r.designation)).toEqual(["A", "D", "C", "B"]);
    expect(upcomingRows(rows, 2).map((r) => r.designation)).toEqual(["A", "D"]);
  });
});
