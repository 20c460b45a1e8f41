import { describe, expect, it } from "vitest";
import { describeFailure, detailText, failureKind } from "./errors";

describe("API error messages", () => {
  it("explains an unreachable server", () => {
    expect(failureKind(0)).toBe("unreachable");
    expect(describeFailure(0, "", "http://127.0.0.1:9")).toMatch(/Cannot reach the encke server at http:\/\/127\.0\.0\.1:9/);
  });

  it("passes on the server's reason for unknown comets and a missing catalog", () => {
    expect(describeFailure(404, "unknown comet 'XYZ'", "")).toBe("Unknown comet 'XYZ'.");
    expect(describeFailure(503, "catalog not loaded: no file", "")).toMatch(/no comet catalog loaded \(catalog not loaded: no file\)/);
  });

  it("reads FastAPI's string and field-list details", () => {
    expect(detailText({ detail: "time: not a date" })).toBe("time: not a date");
    expect(detailText({ detail: [{ loc: ["query", "samples"], msg: "must be <= 4096" }] })).toBe("samples: must be <= 4096");
    expect(detailText(null)).toBe("");
  });
});
