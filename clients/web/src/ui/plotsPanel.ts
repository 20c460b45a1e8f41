/**
 * Plots of the selected comet over time (uPlot): the predicted total magnitude
 * (`brightness-plot`, brighter upwards) and the distances from the Sun r and from the Earth
 * delta (`distance-plot`). The series is the engine's own: one /api/comets/{id}/observe call
 * (geocentre, the selected model) over +/-2 years around the shown time, every 4 days.
 * Marks: perihelia (minima of r), closest approaches to Earth (minima of delta) and "now";
 * a click on either plot moves the clock there.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { CometObservation } from "../api/types";
import { localMinima } from "../math/series";
import type { Model } from "../state/urlState";
import { tdbJdToUtcMs, utcMsToTdbJd } from "../time/julian";
import type { Activity } from "./activity";
import { h } from "./dom";

export const PLOT_HALF_SPAN_DAYS = 730;
export const PLOT_STEP_DAYS = 4;

export interface PlotSeries {
  id: string;
  model: Model;
  times_jd: number[];
  r_au: (number | null)[];
  delta_au: (number | null)[];
  tmag: (number | null)[];
  perihelia_jd: number[];
  closest_jd: number[];
}

const toSeconds = (jd: number) => tdbJdToUtcMs(jd) / 1000;

export class PlotsPanel {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly magHost: HTMLElement;
  private readonly distHost: HTMLElement;
  private mag: uPlot | null = null;
  private dist: uPlot | null = null;
  /** The series shown (for the test hook), or null. */
  series: PlotSeries | null = null;
  private key = "";
  private nowJd = Number.NaN;
  private token = 0;

  constructor(private readonly api: ApiClient, private readonly activity: Activity, private readonly seek: (jd: number) => void) {
    this.status = h("div", { class: "plot-status" });
    this.magHost = h("div", { class: "plot", "data-testid": "brightness-plot", role: "img", "aria-label": "Predicted total magnitude over time; click to set the date" });
    this.distHost = h("div", { class: "plot", "data-testid": "distance-plot", role: "img", "aria-label": "Distance from the Sun and from the Earth over time; click to set the date" });
    this.element = h("div", { class: "plots" }, [this.status, this.magHost, this.distHost]);
  }

  /** Load (or keep) the series for comet id around epoch with model; re-centres when the clock nears an edge. */
  async update(id: string, epoch: number, model: Model): Promise<void> {
    this.setNow(epoch);
    const s = this.series;
    const centred = s && s.id === id && s.model === model && Math.abs(epoch - (s.times_jd[0] + PLOT_HALF_SPAN_DAYS)) < PLOT_HALF_SPAN_DAYS / 2;
    const key = `${id}|${model}`;
    if (centred || (this.key === key && this.token > 0 && this.pending)) return;
    this.key = key;
    const token = ++this.token;
    const start = Math.round(epoch) - 0.5 - PLOT_HALF_SPAN_DAYS; // whole UTC-ish days: repeatable requests
    this.pending = true;
    this.element.classList.add("stale");
    try {
      const o = await this.activity.track(
        model === "nbody" ? "N-body plots" : "plots",
        this.api.observeRange(id, start, start + 2 * PLOT_HALF_SPAN_DAYS, PLOT_STEP_DAYS, model),
      );
      if (token !== this.token) return;
      this.show(o, model);
      this.status.textContent = "";
    } catch (err) {
      if (token !== this.token) return;
      this.status.textContent = `Plots not available: ${err instanceof ApiError ? err.detail || err.message : String(err)}`;
    } finally {
      if (token === this.token) {
        this.pending = false;
        this.element.classList.remove("stale");
      }
    }
  }

  private pending = false;

  clear(): void {
    this.token++;
    this.pending = false;
    this.series = null;
    this.key = "";
  }

  setNow(epoch: number): void {
    if (epoch === this.nowJd) return;
    this.nowJd = epoch;
    this.mag?.redraw(false, false);
    this.dist?.redraw(false, false);
  }

  private show(o: CometObservation, model: Model): void {
    const t = o.times_jd;
    this.series = {
      id: o.id, model, times_jd: t, r_au: o.r_au, delta_au: o.delta_au, tmag: o.tmag,
      perihelia_jd: localMinima(t, o.r_au), closest_jd: localMinima(t, o.delta_au),
    };
    const x = t.map(toSeconds);
    const magData: uPlot.AlignedData = [x, o.tmag.map((v) => v ?? null)];
    const distData: uPlot.AlignedData = [x, o.r_au.map((v) => v ?? null), o.delta_au.map((v) => v ?? null)];
    if (!this.mag) this.mag = this.build(this.magHost, [{ label: "m", stroke: "#ffd27f", width: 1.6 }], "mag", -1);
    if (!this.dist) this.dist = this.build(this.distHost, [{ label: "r (Sun)", stroke: "#ffa040", width: 1.6 }, { label: "\u0394 (Earth)", stroke: "#5aa9ff", width: 1.6 }], "au", 1);
    this.mag.setData(magData);
    this.dist.setData(distData);
  }

  private build(host: HTMLElement, series: uPlot.Series[], unit: string, dir: 1 | -1): uPlot {
    const width = Math.max(240, host.clientWidth || 340);
    const opts: uPlot.Options = {
      width, height: 150,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true }, y: { dir } },
      axes: [
        { stroke: "#8494ad", grid: { stroke: "rgba(120,150,200,0.12)" }, ticks: { stroke: "rgba(120,150,200,0.2)" } },
        { stroke: "#8494ad", grid: { stroke: "rgba(120,150,200,0.12)" }, ticks: { stroke: "rgba(120,150,200,0.2)" }, label: unit, labelSize: 16, size: 44 },
      ],
      series: [{}, ...series.map((s) => ({ ...s, spanGaps: false, points: { show: false } }))],
      hooks: { draw: [(u) => this.drawMarks(u)] },
    };
    const plot = new uPlot(opts, [[], ...series.map(() => [])], host);
    plot.over.addEventListener("click", () => {
      const left = plot.cursor.left;
      if (left === undefined || left < 0) return;
      const seconds = plot.posToVal(left, "x");
      if (Number.isFinite(seconds)) this.seek(utcMsToTdbJd(seconds * 1000));
    });
    plot.over.style.cursor = "crosshair";
    return plot;
  }

  /** Vertical marks: perihelia (orange), closest approaches (blue), now (white). */
  private drawMarks(u: uPlot): void {
    const s = this.series;
    if (!s) return;
    const ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
    const line = (jd: number, color: string, dash: number[], label: string) => {
      const x = u.valToPos(toSeconds(jd), "x", true);
      if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.font = `${10 * devicePixelRatio}px system-ui, sans-serif`;
      if (label) ctx.fillText(label, x + 3 * devicePixelRatio, top + (color === "#ffa040" ? 10 : 22) * devicePixelRatio);
      ctx.restore();
    };
    // every minimum is marked; only the deepest of each kind is labelled (Earth's yearly
    // motion makes delta wobble, and a label on each wobble would hide the curves)
    const deepest = (marks: number[], values: (number | null)[]) => {
      let best = Number.NaN, bestV = Infinity;
      for (const jd of marks) {
        const k = Math.round((jd - s.times_jd[0]) / PLOT_STEP_DAYS);
        const v = values[Math.max(0, Math.min(values.length - 1, k))];
        if (v !== null && v < bestV) { bestV = v; best = jd; }
      }
      return best;
    };
    const q = deepest(s.perihelia_jd, s.r_au), dmin = deepest(s.closest_jd, s.delta_au);
    for (const jd of s.closest_jd) line(jd, "#5aa9ff", [2, 3], jd === dmin ? "\u0394 min" : "");
    for (const jd of s.perihelia_jd) line(jd, "#ffa040", [4, 3], jd === q ? "perihelion" : "");
    if (Number.isFinite(this.nowJd)) line(this.nowJd, "#ffffff", [], "");
  }
}
