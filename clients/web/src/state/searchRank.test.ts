import { describe, expect, it } from "vitest";
import { matchGroup, rankMatches } from "./searchRank";

const comets = [
  { id: "C/2021 S4", designation: "C/2021 S4", name: "Tsuchinshan", index: 0 },
  { id: "60P", designation: "60P", name: "Tsuchinshan", index: 1 },
  { id: "C/2023 A3", designation: "C/2023 A3", name: "Tsuchinshan-ATLAS", index: 2 },
  { id: "C/2020 X1", designation: "C/2020 X1", name: "ATLAS-Tsuchinshan", index: 3 },
];

describe("search ranking", () => {
  it("puts the brightest name-prefix match first", () => {
    const mags = [19.3, 17.0, 4.5, 3.0];
    const ranked = rankMatches("Tsuchinshan", comets, (k) => mags[k]);
    expect(ranked.map((c) => c.id)).toEqual(["C/2023 A3", "60P", "C/2021 S4", "C/2020 X1"]);
  });

  it("puts an exact designation before any name", () => {
    const list = [{ id: "C/2023 A3", designation: "C/2023 A3", name: "Tsuchinshan-ATLAS", index: 5 },
      { id: "1P", designation: "1P", name: "Halley", index: 9 }];
    expect(matchGroup("1p", list[1])).toBe(0);
    expect(matchGroup("c/2023  a3", list[0])).toBe(0);
    expect(matchGroup("halley", list[1])).toBe(1);
    expect(rankMatches("1P", list, () => Number.NaN)[0].id).toBe("1P");
  });

  it("keeps catalog order for equal or unknown magnitudes", () => {
    const ranked = rankMatches("x", comets, () => Number.NaN);
    expect(ranked.map((c) => c.index)).toEqual([0, 1, 2, 3]);
  });
});
