/**
 * Turning HTTP failures into messages a person can act on. Pure, so it is unit-tested.
 */

export type FailureKind = "unreachable" | "not-found" | "no-catalog" | "bad-request" | "too-large" | "server";

export class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
    /** The server's own {"detail"} text, when it sent one. */
    readonly detail = "",
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The server's {"detail": ...} as text (FastAPI sends a string, or a list of field errors). */
export function detailText(body: unknown): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => {
          const loc = Array.isArray(d?.loc) ? d.loc.filter((x: unknown) => x !== "query" && x !== "path").join(".") : "";
          return loc ? `${loc}: ${d?.msg ?? ""}` : String(d?.msg ?? JSON.stringify(d));
        })
        .join("; ");
    }
  }
  return "";
}

/** Classify a response status (0 = the request never reached a server). */
export function failureKind(status: number): FailureKind {
  if (status === 0) return "unreachable";
  if (status === 404) return "not-found";
  if (status === 503) return "no-catalog";
  if (status === 413) return "too-large";
  if (status === 400 || status === 422) return "bad-request";
  return "server";
}

/** A kind, complete sentence for the error banner. */
export function describeFailure(status: number, detail: string, base: string): string {
  switch (failureKind(status)) {
    case "unreachable":
      return `Cannot reach the encke server at ${base}. Is \`encke serve\` running? Retrying…`;
    case "not-found":
      return detail ? capitalize(detail) + "." : "Not found.";
    case "no-catalog":
      return `The server has no comet catalog loaded (${detail || "503"}). Start it with --catalog FILE or let it download the MPC file.`;
    case "too-large":
      return `The request was too large for the server: ${detail}`;
    case "bad-request":
      return `The server rejected a request: ${detail || `HTTP ${status}`}`;
    default:
      return `The server failed (HTTP ${status})${detail ? `: ${detail}` : ""}.`;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
