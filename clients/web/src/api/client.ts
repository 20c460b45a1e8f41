/**
 * Typed access to the encke HTTP API. Every failure becomes an ApiError with a readable
 * message (see errors.ts); the viewer shows those in its error banner.
 */
import type { Model } from "../state/urlState";
import { ApiError, describeFailure, detailText, failureKind } from "./errors";
import { decodeOrbits, decodePositions, isFormatRejection, packJson, type PackedOrbits, type PackedPositions } from "./packed";
import type {
  Approaches, CatalogOrbits, CatalogPositions, Clones, CometDetail, CometList, CometObservation, CometPosition, CometSummary, CovarianceInfo, Health,
  NextPerihelion, ObservationUncertainty, OrbitLine, Planets,
} from "./types";

export type Query = Record<string, string | number | boolean | null | undefined>;

export class ApiClient {
  /**
   * Whether the server sends packed float32 bulk data (format=f32). Starts true; a server
   * that rejects the parameter with 422 (an older one) turns it off and JSON is used.
   */
  binary = true;

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

  private async fetch(path: string, query: Query, accept: string, signal?: AbortSignal): Promise<Response> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
    const qs = params.toString();
    const url = `${this.base}${path}${qs ? `?${qs}` : ""}`;
    try {
      return await fetch(url, { signal, headers: { Accept: accept } });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiError("unreachable", 0, describeFailure(0, "", this.where));
    }
  }

  async get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(path, query, "application/json", signal);
    return this.readJson<T>(path, response);
  }

  private async readJson<T>(path: string, response: Response): Promise<T> {
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

  /**
   * A bulk resource as packed float32: format=f32 when the server has it, else its JSON
   * (a 422 naming `format`, or a JSON answer from a server that ignores the parameter).
   */
  private async packed<P>(
    path: string, query: Query, decode: (b: ArrayBuffer, h: Headers) => P, fromJson: (body: unknown) => P, signal?: AbortSignal,
  ): Promise<P> {
    if (this.binary) {
      const response = await this.fetch(path, { ...query, format: "f32" }, "application/octet-stream", signal);
      const type = response.headers.get("Content-Type") ?? "";
      if (response.ok && type.startsWith("application/octet-stream")) {
        try {
          return decode(await response.arrayBuffer(), response.headers);
        } catch (err) {
          throw new ApiError("server", response.status, `The server sent malformed data for ${path}: ${(err as Error).message}`);
        }
      }
      // A JSON answer: a server that ignored `format`, or an error (readJson throws it).
      try {
        return fromJson(await this.readJson<unknown>(path, response));
      } catch (err) {
        if (!(err instanceof ApiError && isFormatRejection(err.status, err.detail))) throw err;
        this.binary = false; // an older server that rejects `format`: JSON from now on
      }
    }
    return fromJson(await this.get<unknown>(path, query, signal));
  }

  /** The whole catalog's positions at one time (packed), with the model the scene uses. */
  catalogPositions(timeJd: number, model: Model = "kepler", signal?: AbortSignal): Promise<PackedPositions> {
    return this.packed(
      "/api/catalog/positions", { time: timeJd, model }, decodePositions,
      (body) => {
        const r = body as CatalogPositions;
        return { time_jd: r.time_jd, catalog_version: r.catalog_version, count: r.count, positions: packJson(r.positions) };
      },
      signal,
    );
  }

  /** Every comet's orbit line, `samples` points each (packed). */
  catalogOrbits(samples = 128): Promise<PackedOrbits> {
    return this.packed(
      "/api/catalog/orbits", { samples }, decodeOrbits,
      (body) => {
        const r = body as CatalogOrbits;
        return { catalog_version: r.catalog_version, count: r.count, samples: r.samples, positions: packJson(r.positions) };
      },
    );
  }

  /** Where the comet appears from the geocentre (observer 500) at one time. */
  observe(id: string, timeJd: number, model: Model, signal?: AbortSignal): Promise<CometObservation> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/observe`, { time: timeJd, model, observer: "500" }, signal);
  }

  /**
   * An observer ephemeris from start to stop (TDB JD) every step days: the series behind the
   * plots (geocentre) and the sky chart (geocentre or a site: then azimuth and elevation too).
   */
  observeRange(id: string, startJd: number, stopJd: number, stepDays: number, model: Model, observer = "500", signal?: AbortSignal): Promise<CometObservation> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/observe`, { start: startJd, stop: stopJd, step: stepDays, model, observer }, signal);
  }

  /** The next perihelion at or after timeJd with the model (the engine's, N-body included). */
  nextPerihelion(id: string, timeJd: number, model: Model): Promise<NextPerihelion> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/perihelion`, { time: timeJd, model });
  }

  /** One comet's close approaches to a body within maxAu between start and stop (N-body). */
  approaches(id: string, startJd: number, stopJd: number, body: string, maxAu: number): Promise<Approaches> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/approaches`, { start: startJd, stop: stopJd, body, max_au: maxAu });
  }

  /** The whole catalog's close approaches to a body within maxAu between start and stop (N-body, one batched call). */
  catalogApproaches(startJd: number, stopJd: number, body: string, maxAu: number): Promise<Approaches> {
    return this.get("/api/approaches", { start: startJd, stop: stopJd, body, max_au: maxAu });
  }

  /** Whether SBDB has an orbit covariance for the comet (no computation on the server). */
  covariance(id: string): Promise<CovarianceInfo> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/covariance`);
  }

  /** n Monte Carlo clones of the comet's SBDB orbit at one time, with the model (seeded: the same clones at every time). */
  clones(id: string, timeJd: number, model: Model, n: number): Promise<Clones> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/clones`, { time: timeJd, model, n });
  }

  /** The 3-sigma sky ellipse of the comet's SBDB solution at one time, from an observer. */
  observeUncertainty(id: string, timeJd: number, model: Model, observer = "500"): Promise<ObservationUncertainty> {
    return this.get(`/api/comets/${encodeURIComponent(id)}/observe`, { time: timeJd, model, observer, uncertainty: true });
  }

  planets(timeJd: number, signal?: AbortSignal): Promise<Planets> {
    return this.get("/api/planets", { time: timeJd }, signal);
  }
}
