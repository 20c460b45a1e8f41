import { describe, expect, it } from "vitest";
import { describeCatalog } from "./catalogSource";

describe("describeCatalog", () => {
  it("names source, date and count when the server gives them", () => {
    expect(describeCatalog({ status: "ok", catalog_version: "v", comets: 1163, catalog_source: "MPC CometEls.txt", catalog_date: "2024-09-07" }))
      .toBe("Catalog: MPC CometEls.txt \u00b7 2024-09-07 \u00b7 1,163 comets");
    expect(describeCatalog({ status: "ok", catalog_version: "v", comets: 5, catalog: { origin: "snapshot", date: "2026-01-03" } }))
      .toBe("Catalog: snapshot \u00b7 2026-01-03 \u00b7 5 comets");
  });
  it("falls back to the version, and says when there is no catalog", () => {
    expect(describeCatalog({ status: "ok", catalog_version: "abc123", comets: 2 })).toBe("Catalog abc123 \u00b7 2 comets");
    expect(describeCatalog({ status: "no catalog", catalog_version: "", comets: 0 })).toBe("No comet catalog loaded");
  });
});
