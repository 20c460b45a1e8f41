/**
 * The uncertainty toggle (`uncertainty-toggle`): when the selected comet has an orbit
 * covariance in JPL's SBDB (GET /api/comets/{id}/covariance, cached by the server), it shows
 * - in 3D, a cloud of Monte Carlo clones of SBDB's orbit at the shown time, with the selected
 *   model (GET /api/comets/{id}/clones: encke.sample_orbits, then the engine's propagation),
 *   drawn around the comet as their offsets from SBDB's nominal orbit;
 * - on the sky chart, Horizons' 3-sigma ellipse (smaa, smia, theta) of SBDB's solution from
 *   the chart's observer (GET /api/comets/{id}/observe?uncertainty=true), at the comet.
 * Both are far too small to see at true scale for most comets, so each is magnified by a power
 * of ten chosen to make it visible, and the factor is written beside it. Without a covariance
 * the toggle is disabled and the reason the server gave is shown.
 */
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { Xyz } from "../api/types";
import { cloneOffsets, formatMagnification, magnificationFor, skyEllipse } from "../math/uncertainty";
import type { CloudLayer } from "../scene/cloudLayer";
import type { SkyChart } from "../sky/skyChart";
import type { Model } from "../state/urlState";
import type { Activity } from "./activity";
import { h } from "./dom";

export const CLONES = 500;
/** rms spread (au) the cloud is magnified to at least, and the ellipse's smallest semi-major axis (px). */
const CLOUD_TARGET_AU = 0.02;
const ELLIPSE_TARGET_PX = 24;
export const ELLIPSE_COLOR = "#ff4fd8";
const AU_KM = 149_597_870.7;

export interface CloudState {
  time_jd: number;
  model: Model;
  n: number;
  orbit: string;
  nominal: Xyz;
  rms_au: number;
  magnification: number;
}

export interface EllipseState {
  time_jd: number;
  model: Model;
  observer: string;
  orbit: string;
  smaa_arcsec: number;
  smia_arcsec: number;
  theta_deg: number;
  /** As last drawn on the sky chart (CSS px; null before it is drawn). */
  magnification: number | null;
  px_per_deg: number | null;
  a_px: number | null;
  b_px: number | null;
  centre_px: [number, number] | null;
}

export interface UncertaintyState {
  id: string;
  /** null while SBDB is being asked. */
  available: boolean | null;
  note: string;
  on: boolean;
  cloud: CloudState | null;
  ellipse: EllipseState | null;
}

export class UncertaintyView {
  readonly element: HTMLElement;
  readonly toggle: HTMLInputElement;
  private readonly note: HTMLElement;
  private readonly label: HTMLElement;
  state: UncertaintyState | null = null;
  private token = 0;
  private cloudInFlight = false;
  private ellipseInFlight = false;
  private cloudRetryMs = 0;
  private ellipseRetryMs = 0;

  constructor(private readonly api: ApiClient, private readonly activity: Activity, private readonly cloud: CloudLayer, private readonly sky: SkyChart) {
    this.toggle = h("input", {
      type: "checkbox", "data-testid": "uncertainty-toggle", disabled: true,
      "aria-label": "Uncertainty: Monte Carlo clones in 3D and the 3-sigma ellipse on the sky chart",
    });
    this.label = h("span", { text: "Uncertainty (SBDB covariance)" });
    this.note = h("div", { class: "uncertainty-note", "data-testid": "uncertainty-note", "aria-live": "polite" });
    this.toggle.addEventListener("change", () => {
      if (!this.state) return;
      this.state.on = this.toggle.checked;
      if (!this.state.on) {
        this.state.cloud = null;
        this.state.ellipse = null;
        this.cloud.setVisible(false);
        this.describe();
        this.sky.draw();
      }
    });
    this.element = h("div", { class: "uncertainty" }, [h("label", { class: "check" }, [this.toggle, this.label]), this.note]);
    this.sky.overlay = (ctx, project, pxPerDeg) => this.drawEllipse(ctx, project, pxPerDeg);
  }

  /**
   * Called a few times a second: follow the selection (ask SBDB for a covariance once per
   * comet), and while the toggle is on, refresh the clones and the ellipse for the shown time
   * and model (paused: at once; playing: each time the previous answer is in).
   */
  update(id: string | null, epoch: number, model: Model, playing: boolean): void {
    if (id !== (this.state?.id ?? null)) this.select(id);
    const s = this.state;
    if (!s || !s.on || !s.available) return;
    const now = performance.now();
    const cloudDue = !s.cloud || s.cloud.model !== model || (playing ? Math.abs(s.cloud.time_jd - epoch) > 0.5 : s.cloud.time_jd !== epoch);
    if (cloudDue && !this.cloudInFlight && now >= this.cloudRetryMs) this.loadCloud(s.id, epoch, model);
    const observer = this.sky.observer;
    const e = s.ellipse;
    const ellipseDue = !e || e.model !== model || e.observer !== observer || (playing ? Math.abs(e.time_jd - epoch) > 0.5 : e.time_jd !== epoch);
    if (ellipseDue && !this.ellipseInFlight && now >= this.ellipseRetryMs) this.loadEllipse(s.id, epoch, model, observer);
  }

  /** The cloud's centre: the comet as drawn now (au). */
  setCentre(p: Xyz | null): void {
    this.cloud.setCentre(p);
    this.cloud.setVisible(!!(this.state?.on && this.state.cloud && p));
  }

  private select(id: string | null): void {
    const token = ++this.token;
    this.cloudInFlight = this.ellipseInFlight = false;
    this.cloud.setVisible(false);
    this.toggle.checked = false;
    this.toggle.disabled = true;
    if (!id) {
      this.state = null;
      this.note.textContent = "";
      return;
    }
    this.state = { id, available: null, note: "Asking JPL's SBDB for an orbit covariance\u2026", on: false, cloud: null, ellipse: null };
    this.describe();
    this.api.covariance(id).then(
      (c) => {
        if (token !== this.token || !this.state) return;
        this.state.available = c.available;
        // the server's own words: "covariance of SBDB orbit solution ..." or "no covariance available: <why>"
        this.state.note = c.uncertainty_note;
        this.toggle.disabled = !c.available;
        this.describe();
      },
      (err) => {
        if (token !== this.token || !this.state) return;
        this.state.available = false;
        this.state.note = `Not available: ${err instanceof ApiError ? err.detail || err.message : String(err)}`;
        this.describe();
      },
    );
  }

  private loadCloud(id: string, epoch: number, model: Model): void {
    const token = this.token;
    this.cloudInFlight = true;
    this.activity.track(model === "nbody" ? "N-body clones" : "clones", this.api.clones(id, epoch, model, CLONES)).then(
      (c) => {
        if (token !== this.token) return;
        this.cloudInFlight = false;
        const s = this.state;
        if (!s || !s.on) return;
        if (!c.positions || !c.nominal) {
          s.note = `Not available: ${c.uncertainty_note}`;
          s.cloud = null;
          this.describe();
          return;
        }
        const { offsets, rms } = cloneOffsets(c.positions, c.nominal);
        const magnification = magnificationFor(rms, CLOUD_TARGET_AU);
        this.cloud.setClones(offsets, magnification);
        s.cloud = { time_jd: c.time_jd, model: c.model, n: offsets.length / 3, orbit: c.orbit, nominal: c.nominal, rms_au: rms, magnification };
        this.describe();
      },
      (err) => {
        if (token !== this.token) return;
        this.cloudInFlight = false;
        this.cloudRetryMs = performance.now() + 3000;
        if (this.state) this.state.note = `Clones not available: ${err instanceof ApiError ? err.detail || err.message : String(err)}`;
        this.describe();
      },
    );
  }

  private loadEllipse(id: string, epoch: number, model: Model, observer: string): void {
    const token = this.token;
    this.ellipseInFlight = true;
    this.activity.track("3-sigma ellipse", this.api.observeUncertainty(id, epoch, model, observer)).then(
      (o) => {
        if (token !== this.token) return;
        this.ellipseInFlight = false;
        const s = this.state;
        if (!s || !s.on) return;
        const a = o.smaa_3sigma_arcsec?.[0], b = o.smia_3sigma_arcsec?.[0], t = o.theta_deg?.[0];
        s.ellipse = a == null || b == null || t == null ? null : {
          time_jd: o.times_jd[0], model, observer, orbit: o.orbit, smaa_arcsec: a, smia_arcsec: b, theta_deg: t,
          magnification: null, px_per_deg: null, a_px: null, b_px: null, centre_px: null,
        };
        this.describe();
        this.sky.draw();
      },
      (err) => {
        if (token !== this.token) return;
        this.ellipseInFlight = false;
        this.ellipseRetryMs = performance.now() + 3000;
        if (this.state) this.state.note = `3-sigma ellipse not available: ${err instanceof ApiError ? err.detail || err.message : String(err)}`;
        this.describe();
      },
    );
  }

  /** The sky chart's overlay: the ellipse at the comet's place at the chart's time. */
  private drawEllipse(ctx: CanvasRenderingContext2D, project: (ra: number, dec: number) => [number, number] | null, pxPerDeg: number): void {
    const s = this.state, e = s?.ellipse, chart = this.sky.state;
    if (!s || !s.on || !e || !chart || chart.id !== s.id || chart.ra_deg === null || chart.dec_deg === null) return;
    const centre = project(chart.ra_deg, chart.dec_deg);
    if (!centre) return;
    const trueSize = skyEllipse(e.smaa_arcsec, e.smia_arcsec, e.theta_deg, pxPerDeg, 1);
    const magnification = magnificationFor(trueSize.a, ELLIPSE_TARGET_PX);
    const { a, b, rotation } = skyEllipse(e.smaa_arcsec, e.smia_arcsec, e.theta_deg, pxPerDeg, magnification);
    ctx.save();
    ctx.strokeStyle = ELLIPSE_COLOR;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.ellipse(centre[0], centre[1], a, Math.max(b, 0.5), rotation, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.fillStyle = "rgba(235,225,245,0.92)";
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillText(`3\u03c3 ellipse ${formatMagnification(magnification)} (${solutionName(e.orbit)})`, 8, 14);
    ctx.fillText(`${fmtArcsec(e.smaa_arcsec)} \u00d7 ${fmtArcsec(e.smia_arcsec)}, PA ${e.theta_deg.toFixed(0)}\u00b0`, 8, 27);
    ctx.restore();
    Object.assign(e, { magnification, px_per_deg: pxPerDeg, a_px: a, b_px: b, centre_px: centre });
  }

  /** The note under the toggle: why it is off, or what the cloud and the ellipse show. */
  private describe(): void {
    const s = this.state;
    if (!s) { this.note.textContent = ""; return; }
    this.toggle.title = s.available === false ? s.note : "";
    if (!s.on || (!s.cloud && !s.ellipse)) {
      this.note.textContent = s.on && s.available ? `${s.note} \u00b7 computing\u2026` : s.note;
      return;
    }
    const parts: string[] = [];
    const c = s.cloud;
    if (c) parts.push(`${c.n} clones of ${solutionName(c.orbit)} (${c.model === "nbody" ? "N-body" : "Kepler"}), spread ${fmtKm(c.rms_au * AU_KM)} rms, offsets ${formatMagnification(c.magnification)}`);
    const e = s.ellipse;
    if (e) parts.push(`3\u03c3 on the sky: ${fmtArcsec(e.smaa_arcsec)} \u00d7 ${fmtArcsec(e.smia_arcsec)}, PA ${e.theta_deg.toFixed(0)}\u00b0 (sky chart)`);
    this.note.textContent = parts.join(" \u00b7 ");
  }
}

/** "sbdb K213/6" (the server's `orbit`) as "SBDB solution K213/6". */
function solutionName(orbit: string): string {
  return orbit.replace(/^sbdb /, "SBDB solution ");
}

function fmtArcsec(x: number): string {
  return x >= 100 ? `${(x / 60).toFixed(1)}\u2032` : `${x.toPrecision(2)}\u2033`;
}

function fmtKm(km: number): string {
  return km >= 1e6 ? `${(km / AU_KM).toPrecision(2)} au` : `${Math.round(km).toLocaleString("en-US")} km`;
}
