/**
 * Typed access to the encke HTTP API. Every failure becomes an ApiError with a readable
 * message (see errors.ts); the viewer shows those in its error banner.
 */
import type { Model } from "../state/urlState";
import { ApiError, describeFailure, detailText, failureKind } from "./errors";
import type {
  CatalogOrbits, CatalogPositions, CometDetail, CometList, CometPosition, CometSummary, Health, OrbitLine, Planets,
} from "./types";

export type Query = Record<string, string | number | boolean | null | undefined>;

export class ApiClient {
  /** base: "" for the page's own origin, or "http://host:port". */
  constructor(readonly base: string) {}

  /** Human-readable server location for messages. */
  get where(): string {
    return this.base || window.location.origin;
  }

  /** ws:// or wss:// URL of a WebSocket path on the same server. */
  wsUrl(path: string): string {
    const http = new URL(path, this.base || window.location.href);
    http.protocol = http.protocol === "https:" ? "wss:" : "ws:";
    return http.toString();
  }

  async get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
    const qs = params.toString();
    const url = `${this.base}${path}${qs ? `?${qs}` : ""}`;
    let response: Response;
    try {
      response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiError("unreachable", 0, describeFailure(0, "", this.where));
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const detail = detailText(body);
      throw new ApiError(failureKind(response.status), response.status, describeFailure(response.status, detail, this.where), detail);
    }
    if (body === null) throw new ApiError("server", response.status, `The server sent an unreadable answer for ${path}.`);
    return body as T;
  }

  health(): Promise<Health> {
    return this.get("/api/health");
  }

  comets(query: Query, signal?: AbortSignal): Promise<CometList> {
    return this.get("/api/comets", query, signal);
  }

  /** Every summary, in catalog order (paged). */
  async allComets(pageSize = 500): Promise<CometSummary[]> {
    const out: CometSummary[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.comets({ limit: pageSize, offset });
      out.push(...page.comets);
      if (page.comets.length === 0 || out.length >= page.total) break;
    }
    out.sort((a, b) => a.index - b.index);
    return out;
  }

  comet(id: string, timeJd: number): Promise<CometDetail> {
    return this.get(`/api/comets/${encodeURIComponent(id)}`, { time: timeJd });
  }

  position(id: string, timeJd: number, model: Model, signal?: AbortSignal): Promise<CometPosition> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/position`, { time: timeJd, model }, signal);
  }

  orbit(id: string, samples = 512): Promise<OrbitLine> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/orbit`, { samples });
  }

  catalogPositions(timeJd: number, signal?: AbortSignal): Promise<CatalogPositions> {
    return this.get("/api/catalog/positions", { time: timeJd, model: "kepler" }, signal);
  }

  catalogOrbits(samples = 128): Promise<CatalogOrbits> {
    return this.get("/api/catalog/orbits", { samples });
  }

  planets(timeJd: number, signal?: AbortSignal): Promise<Planets> {
    return this.get("/api/planets", { time: timeJd }, signal);
  }
}
