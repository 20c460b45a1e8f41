/**
 * "Where do I point?": the selected comet's path across the sky over +/-30 days, with date
 * ticks every 5 days, among the bright stars and constellation lines, on an RA/Dec grid
 * (stereographic, north up, east left). With a site (an MPC observatory code such as G96, or
 * "lon,lat" in degrees) a horizon view shows tonight: the dome from that site over +/-12 hours
 * of the shown time, with the comet's path while the Sun is below -6 degrees.
 * Every comet position is the engine's: /api/comets/{id}/observe with the selected model
 * (one request per path; its middle sample is the shown time exactly). Drawn on a 2D canvas:
 * no maintained chart library projects a star map (d3-celestial needs d3 v3 and owns the page).
 */
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { CometObservation } from "../api/types";
import type { Model } from "../state/urlState";
import { formatUtc, formatUtcDate } from "../time/julian";
import type { Activity } from "../ui/activity";
import { h } from "../ui/dom";
import { horizontal, localSiderealDeg, separationDeg, stereographic, toHorizontal } from "./projection";
import { loadStarCatalog, type StarCatalog } from "./starCatalog";

export const SKY_HALF_SPAN_DAYS = 30;
const TICK_DAYS = 5;

/** What the chart shows (for the test hook): the comet at the shown time, and where from. */
export interface SkyChartState {
  id: string;
  model: Model;
  observer: string;
  mode: "sky" | "horizon";
  epoch_jd: number;
  ra_deg: number | null;
  dec_deg: number | null;
  azimuth_deg: number | null;
  elevation_deg: number | null;
  stars: number;
}

export class SkyChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly observerInput: HTMLInputElement;
  private readonly horizonBox: HTMLInputElement;
  private readonly status: HTMLElement;
  private catalog: StarCatalog | null = null;
  private path: CometObservation | null = null;
  private key = "";
  private token = 0;
  state: SkyChartState | null = null;
  /** Extra drawing on top (the uncertainty ellipse), in the chart's projection. */
  overlay: ((ctx: CanvasRenderingContext2D, project: (ra: number, dec: number) => [number, number] | null, scalePxPerDeg: number) => void) | null = null;

  constructor(private readonly api: ApiClient, private readonly activity: Activity, private readonly onError: (m: string) => void) {
    this.canvas = h("canvas", { class: "sky-canvas", "data-testid": "sky-chart", role: "img", "aria-label": "Sky chart: the comet's path among the stars" });
    this.observerInput = h("input", {
      class: "sky-observer", type: "text", value: "500", "data-testid": "sky-observer", spellcheck: "false",
      "aria-label": "Observer: MPC observatory code (500 = geocentre) or longitude,latitude in degrees",
      title: "MPC observatory code (500 = geocentre, G96, 675...) or lon,lat in degrees (east positive)",
    });
    this.horizonBox = h("input", { type: "checkbox", "data-testid": "sky-horizon", "aria-label": "Horizon view for tonight" });
    this.status = h("div", { class: "plot-status" });
    const refresh = () => { this.key = ""; this.dirty = true; };
    this.observerInput.addEventListener("change", refresh);
    this.horizonBox.addEventListener("change", refresh);
    this.element = h("div", { class: "sky" }, [
      h("div", { class: "sky-controls" }, [
        h("label", { class: "field" }, [h("span", { text: "Observer" }), this.observerInput]),
        h("label", { class: "check" }, [this.horizonBox, h("span", { text: "Horizon, tonight" })]),
      ]),
      this.status,
      this.canvas,
    ]);
  }

  private dirty = true;

  get observer(): string {
    return this.observerInput.value.trim() || "500";
  }

  get horizonMode(): boolean {
    return this.horizonBox.checked && this.observer !== "500";
  }

  /** Refresh for the shown time (called a few times a second while the chart is visible). */
  update(id: string, epoch: number, model: Model, playing: boolean): void {
    const mode = this.horizonMode ? "horizon" : "sky";
    const key = `${id}|${model}|${this.observer}|${mode}`;
    const s = this.state;
    const moved = !s || (playing ? Math.abs(epoch - s.epoch_jd) > (mode === "sky" ? 2 : 0.05) : epoch !== s.epoch_jd);
    if (key === this.key && !moved) {
      if (this.dirty) this.draw();
      return;
    }
    if (this.inFlight && key === this.key) return;
    this.key = key;
    void this.load(id, epoch, model, mode);
  }

  private inFlight = false;

  private async load(id: string, epoch: number, model: Model, mode: "sky" | "horizon"): Promise<void> {
    const token = ++this.token;
    this.inFlight = true;
    this.element.classList.add("stale");
    const observer = this.observer;
    const request = mode === "sky"
      ? this.api.observeRange(id, epoch - SKY_HALF_SPAN_DAYS, epoch + SKY_HALF_SPAN_DAYS, 1, model, observer)
      : this.api.observeRange(id, epoch - 0.5, epoch + 0.5, 1 / 24, model, observer);
    try {
      const [path, catalog] = await this.activity.track("sky chart", Promise.all([request, loadStarCatalog()]));
      if (token !== this.token) return;
      this.catalog = catalog;
      this.path = path;
      const mid = Math.floor(path.times_jd.length / 2);
      this.state = {
        id: path.id, model, observer, mode, epoch_jd: path.times_jd[mid],
        ra_deg: path.ra_deg[mid], dec_deg: path.dec_deg[mid],
        azimuth_deg: path.azimuth_deg?.[mid] ?? null, elevation_deg: path.elevation_deg?.[mid] ?? null,
        stars: catalog.stars.length / 3,
      };
      this.status.textContent = "";
      this.dirty = true;
      this.draw();
    } catch (err) {
      if (token !== this.token) return;
      const message = err instanceof ApiError ? err.detail || err.message : (err as Error).message;
      this.status.textContent = `Sky chart not available: ${message}`;
      if (err instanceof ApiError && err.kind === "bad-request" && /observer/.test(err.detail)) this.onError(`Observer: ${err.detail.replace(/^observer: /, "")}`);
      this.state = null;
      this.path = null;
      this.draw();
    } finally {
      if (token === this.token) {
        this.inFlight = false;
        this.element.classList.remove("stale");
      }
    }
  }

  clear(): void {
    this.token++;
    this.inFlight = false;
    this.key = "";
    this.state = null;
    this.path = null;
  }

  /** Redraw (e.g. after the overlay changed). */
  draw(): void {
    this.dirty = false;
    const canvas = this.canvas, dpr = Math.min(window.devicePixelRatio || 1, 2);
    const w = Math.max(200, canvas.clientWidth || 340), hgt = Math.max(200, canvas.clientHeight || 340);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(hgt * dpr);
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#03060c";
    ctx.fillRect(0, 0, w, hgt);
    if (!this.path || !this.catalog || !this.state) return;
    if (this.state.mode === "horizon") this.drawHorizon(ctx, w, hgt);
    else this.drawSky(ctx, w, hgt);
  }

  private drawSky(ctx: CanvasRenderingContext2D, w: number, hgt: number): void {
    const p = this.path!, cat = this.catalog!, s = this.state!;
    const ra0 = s.ra_deg ?? 0, dec0 = s.dec_deg ?? 0;
    let extent = 8;
    p.ra_deg.forEach((ra, k) => {
      const dec = p.dec_deg[k];
      if (ra !== null && dec !== null) extent = Math.max(extent, separationDeg(ra0, dec0, ra, dec));
    });
    const fieldDeg = Math.min(120, extent * 2.3);
    const scale = Math.min(w, hgt) / (2 * Math.tan((fieldDeg * Math.PI) / 180 / 4) * 2); // px per projection unit
    const cx = w / 2, cy = hgt / 2;
    const project = (ra: number, dec: number): [number, number] | null => {
      const q = stereographic(ra, dec, ra0, dec0);
      return q ? [cx - q[0] * scale, cy - q[1] * scale] : null;
    };
    const inside = (q: [number, number] | null) => q !== null && q[0] > -40 && q[0] < w + 40 && q[1] > -40 && q[1] < hgt + 40;
    // RA/Dec grid
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(90,130,190,0.28)";
    ctx.fillStyle = "rgba(130,160,210,0.7)";
    ctx.font = "10px system-ui, sans-serif";
    const raStep = fieldDeg > 60 ? 30 : 15, decStep = fieldDeg > 60 ? 20 : 10;
    for (let ra = 0; ra < 360; ra += raStep) this.polyline(ctx, Array.from({ length: 61 }, (_, k) => project(ra, -90 + 3 * k)), inside, `${ra / 15}h`);
    for (let dec = -80; dec <= 80; dec += decStep) this.polyline(ctx, Array.from({ length: 121 }, (_, k) => project(3 * k, dec)), inside, `${dec > 0 ? "+" : ""}${dec}\u00b0`);
    // constellation lines
    ctx.strokeStyle = "rgba(120,170,230,0.35)";
    for (const line of cat.lines) this.polyline(ctx, line.map(([ra, dec]) => project(ra, dec)), inside, null);
    // stars
    this.drawStars(ctx, (k) => project(cat.stars[3 * k], cat.stars[3 * k + 1]), inside);
    // the comet's path with date ticks, and the comet now
    const pts = p.ra_deg.map((ra, k) => (ra === null || p.dec_deg[k] === null ? null : project(ra, p.dec_deg[k] as number)));
    this.drawPath(ctx, pts, p.times_jd, Math.floor(pts.length / 2), TICK_DAYS, (jd) => formatUtcDate(jd).slice(5));
    this.overlay?.(ctx, project, scale * (Math.PI / 180));
    ctx.fillStyle = "rgba(200,215,235,0.85)";
    ctx.fillText(`${formatUtc(s.epoch_jd)} UTC \u00b7 ${s.observer === "500" ? "geocentre" : s.observer} \u00b7 field ${fieldDeg.toFixed(0)}\u00b0`, 8, hgt - 8);
    ctx.fillText("N \u2191  E \u2190", w - 64, 14);
  }

  private drawHorizon(ctx: CanvasRenderingContext2D, w: number, hgt: number): void {
    const p = this.path!, cat = this.catalog!, s = this.state!;
    const radius = Math.min(w, hgt) / 2 - 16, cx = w / 2, cy = hgt / 2;
    const project = (az: number, el: number): [number, number] | null => {
      const q = horizontal(az, el);
      return q ? [cx + q[0] * radius, cy - q[1] * radius] : null;
    };
    const inside = (q: [number, number] | null) => q !== null && Math.hypot(q[0] - cx, q[1] - cy) <= radius + 1;
    ctx.fillStyle = "#071226";
    ctx.beginPath(); ctx.arc(cx, cy, radius, 0, 2 * Math.PI); ctx.fill();
    ctx.strokeStyle = "rgba(90,130,190,0.3)";
    for (const el of [30, 60]) { ctx.beginPath(); ctx.arc(cx, cy, radius * Math.tan(((90 - el) * Math.PI) / 360), 0, 2 * Math.PI); ctx.stroke(); }
    ctx.strokeStyle = "rgba(150,190,240,0.7)";
    ctx.beginPath(); ctx.arc(cx, cy, radius, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = "rgba(200,215,235,0.9)";
    ctx.font = "11px system-ui, sans-serif";
    for (const [label, az] of [["N", 0], ["E", 90], ["S", 180], ["W", 270]] as const) {
      const q = project(az, -4)!;
      ctx.fillText(label, q[0] - 4, q[1] + 4);
    }
    // Stars need the site's latitude: known for "lon,lat" observers (an observatory code's is not sent).
    const mid = Math.floor(p.times_jd.length / 2);
    const lat = siteLatitude(s.observer);
    const ra = p.ra_deg[mid], dec = p.dec_deg[mid], az = p.azimuth_deg?.[mid], el = p.elevation_deg?.[mid];
    if (lat !== null && ra !== null && dec !== null && az != null && el != null) {
      const lst = localSiderealDeg(ra, dec, az, el, lat);
      const proj = (k: number) => {
        const [a, e] = toHorizontal(cat.stars[3 * k], cat.stars[3 * k + 1], lst, lat);
        return e > 0 ? project(a, e) : null;
      };
      ctx.strokeStyle = "rgba(120,170,230,0.3)";
      for (const line of cat.lines) this.polyline(ctx, line.map(([r, d]) => { const [a, e] = toHorizontal(r, d, lst, lat); return e > -2 ? project(a, e) : null; }), inside, null);
      this.drawStars(ctx, proj, inside);
    }
    const dark = p.sun_elevation_deg ?? [];
    const pts = p.times_jd.map((_, k) => {
      const a = p.azimuth_deg?.[k], e = p.elevation_deg?.[k];
      return a == null || e == null || e < 0 || (dark[k] ?? -90) > -6 ? null : project(a, e);
    });
    this.drawPath(ctx, pts, p.times_jd, mid, 2 / 24, (jd) => `${formatUtc(jd).slice(11, 16)}`);
    ctx.fillStyle = "rgba(200,215,235,0.85)";
    const now = s.elevation_deg;
    ctx.fillText(`${s.observer} \u00b7 ${formatUtc(s.epoch_jd)} UTC \u00b7 elevation ${now === null ? "\u2014" : now.toFixed(1) + "\u00b0"}`, 8, hgt - 6);
    if (lat === null) ctx.fillText("stars: give the site as lon,lat", 8, 14);
  }

  private drawStars(ctx: CanvasRenderingContext2D, at: (k: number) => [number, number] | null, inside: (q: [number, number] | null) => boolean): void {
    const cat = this.catalog!;
    for (let k = 0; k < cat.stars.length / 3; k++) {
      const q = at(k);
      if (!q || !inside(q)) continue;
      const mag = cat.stars[3 * k + 2];
      const r = Math.max(0.5, 3.2 - 0.5 * mag);
      ctx.fillStyle = `rgba(235,240,255,${Math.min(1, 1.15 - mag * 0.12).toFixed(2)})`;
      ctx.beginPath();
      ctx.arc(q[0], q[1], r, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  private polyline(ctx: CanvasRenderingContext2D, pts: ([number, number] | null)[], inside: (q: [number, number] | null) => boolean, label: string | null): void {
    ctx.beginPath();
    let pen = false, labelled = false;
    for (const q of pts) {
      if (!q || !inside(q)) { pen = false; continue; }
      if (pen) ctx.lineTo(q[0], q[1]); else ctx.moveTo(q[0], q[1]);
      pen = true;
      if (label && !labelled && q[0] > 4 && q[1] > 12) { ctx.fillText(label, q[0] + 2, q[1] - 2); labelled = true; }
    }
    ctx.stroke();
  }

  /** The comet's path (orange), ticks every tickDays with labels, and the comet now (sample `mid`). */
  private drawPath(ctx: CanvasRenderingContext2D, pts: ([number, number] | null)[], times: number[], mid: number, tickDays: number, label: (jd: number) => string): void {
    ctx.strokeStyle = "#ffa040";
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let pen = false;
    for (const q of pts) {
      if (!q) { pen = false; continue; }
      if (pen) ctx.lineTo(q[0], q[1]); else ctx.moveTo(q[0], q[1]);
      pen = true;
    }
    ctx.stroke();
    ctx.fillStyle = "#ffc27f";
    ctx.font = "10px system-ui, sans-serif";
    const t0 = times[mid];
    const labelled: [number, number][] = [pts[mid] ?? [-1e9, -1e9]];
    pts.forEach((q, k) => {
      const steps = (times[k] - t0) / tickDays;
      if (!q || Math.abs(steps - Math.round(steps)) > 1e-6 || k === mid) return;
      ctx.beginPath(); ctx.arc(q[0], q[1], 2.2, 0, 2 * Math.PI); ctx.fill();
      // a date only where it does not run into another (the path slows down far from the Sun)
      if (labelled.every(([x, y]) => Math.abs(q[0] - x) > 34 || Math.abs(q[1] - y) > 12)) {
        ctx.fillText(label(times[k]), q[0] + 5, q[1] + 3);
        labelled.push(q);
      }
    });
    const now = pts[mid];
    if (now) {
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(now[0], now[1], 6, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = "#ffa040";
      ctx.beginPath(); ctx.arc(now[0], now[1], 3, 0, 2 * Math.PI); ctx.fill();
    }
  }
}

/** The latitude (degrees) of an observer given as "lon,lat[,height]", else null (a code). */
export function siteLatitude(observer: string): number | null {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*,\s*-?\d+(?:\.\d+)?)?\s*$/.exec(observer);
  if (!m) return null;
  const lat = Number(m[2]);
  return Math.abs(lat) <= 90 ? lat : null;
}
