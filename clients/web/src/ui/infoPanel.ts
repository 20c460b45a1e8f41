/**
 * The selected comet's card: elements from the catalog (/api/comets/{id}), its state at the
 * current time (/api/comets/{id}/position: distances, speed), where it is in the sky from the
 * geocentre (/api/comets/{id}/observe, observer 500: astrometric RA/Dec, elongation, phase
 * and the predicted magnitude), the next perihelion, the model (Kepler or N-body) and
 * "follow with the camera".
 */
import type { CometDetail, CometObservation, CometPosition } from "../api/types";
import { totalMagnitude } from "../physics/magnitude";
import type { Model } from "../state/urlState";
import { formatUtc, formatUtcDate } from "../time/julian";
import { h } from "./dom";
import { DASH, fixed, formatPeriod } from "./format";
import { formatDec, formatRa } from "./sexagesimal";

const STATE_KEYS = ["r-sun", "r-earth", "speed"];
const SKY_KEYS = ["ra", "dec", "elongation", "phase", "tmag"];

export class InfoPanel {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly fields = new Map<string, HTMLElement>();
  private readonly modelSelect: HTMLSelectElement;
  private readonly followBox: HTMLInputElement;
  private readonly stateTime: HTMLElement;
  private readonly skyTime: HTMLElement;
  private detail: CometDetail | null = null;
  /** Epoch of the observation shown (its magnitude wins over the position's). */
  private observedJd = Number.NaN;

  constructor(handlers: { close(): void; model(m: Model): void; follow(on: boolean): void }) {
    this.title = h("h2", { class: "info-title", "data-testid": "info-designation" });
    this.subtitle = h("div", { class: "info-name", "data-testid": "info-name" });
    const close = h("button", { class: "icon-button", "aria-label": "Close", title: "Deselect", text: "\u00d7" });
    close.addEventListener("click", () => handlers.close());
    this.modelSelect = h("select", { "data-testid": "model-select", "aria-label": "Propagation model" }, [
      h("option", { value: "kepler", text: "Kepler (two-body)" }),
      h("option", { value: "nbody", text: "N-body (planets, GR, non-grav)" }),
    ]);
    this.modelSelect.addEventListener("change", () => handlers.model(this.modelSelect.value as Model));
    this.followBox = h("input", { type: "checkbox", "data-testid": "follow-checkbox" });
    this.followBox.addEventListener("change", () => handlers.follow(this.followBox.checked));
    this.stateTime = h("div", { class: "info-time" });
    this.skyTime = h("div", { class: "info-time" });

    const row = (label: string, key: string, unit = "", title = "") => {
      const value = h("span", { class: "value", "data-testid": `info-${key}` , text: DASH });
      this.fields.set(key, value);
      return h("div", { class: "row", title }, [h("span", { class: "label", text: label }), h("span", { class: "value-wrap" }, [value, unit ? h("span", { class: "unit", text: unit }) : ""])]);
    };
    this.element = h("aside", { class: "info-panel panel", "data-testid": "info-panel", hidden: true, "aria-live": "polite" }, [
      h("header", { class: "info-header" }, [h("div", {}, [this.title, this.subtitle]), close]),
      h("section", {}, [
        h("h3", { text: "Orbit" }),
        row("Perihelion distance q", "q", "au"),
        row("Eccentricity e", "e"),
        row("Inclination i", "i", "\u00b0"),
        row("Ascending node \u03a9", "node", "\u00b0"),
        row("Arg. of perihelion \u03c9", "argp", "\u00b0"),
        row("Perihelion date", "tp", "", "Time of perihelion passage of the catalog orbit (UTC)"),
        row("Period", "period"),
        row("Next perihelion", "next-perihelion"),
      ]),
      h("section", {}, [
        h("h3", {}, ["Now ", this.stateTime]),
        row("Distance from Sun r", "r-sun", "au"),
        row("Distance from Earth \u0394", "r-earth", "au"),
        row("Speed (heliocentric)", "speed", "km/s"),
      ]),
      h("section", { "data-testid": "info-sky" }, [
        h("h3", {}, ["Sky from Earth ", this.skyTime]),
        row("Right ascension \u03b1", "ra", "", "Astrometric ICRF (J2000) right ascension seen from the geocentre, light time included"),
        row("Declination \u03b4", "dec", "", "Astrometric ICRF (J2000) declination seen from the geocentre"),
        row("Elongation", "elongation", "\u00b0", "Sun-Earth-comet angle"),
        row("Phase angle", "phase", "\u00b0", "Sun-comet-Earth angle"),
        row("Total magnitude m", "tmag", "", "m = H + 5 log\u2081\u2080 \u0394 + 2.5 K log\u2081\u2080 r"),
      ]),
      h("section", { class: "info-controls" }, [
        h("label", { class: "field" }, [h("span", { text: "Model" }), this.modelSelect]),
        h("label", { class: "check" }, [this.followBox, h("span", { text: "Follow with camera" })]),
      ]),
    ]);
  }

  private set(key: string, text: string): void {
    const el = this.fields.get(key);
    if (el && el.textContent !== text) el.textContent = text;
  }

  setModel(model: Model): void {
    this.modelSelect.value = model;
  }

  setFollow(on: boolean): void {
    this.followBox.checked = on;
  }

  hide(): void {
    this.detail = null;
    this.element.hidden = true;
  }

  showDetail(d: CometDetail): void {
    const changed = this.detail?.id !== d.id;
    this.detail = d;
    this.element.hidden = false;
    this.title.textContent = d.id;
    this.subtitle.textContent = d.name && d.name !== d.id ? d.name : d.designation !== d.id ? d.designation : "";
    this.set("q", fixed(d.q, 6));
    this.set("e", fixed(d.e, 6));
    this.set("i", fixed(d.i_deg, 4));
    this.set("node", fixed(d.node_deg, 4));
    this.set("argp", fixed(d.argp_deg, 4));
    this.set("tp", Number.isFinite(d.tp_jd) ? formatUtc(d.tp_jd) : d.tp_iso);
    this.set("period", formatPeriod(d.period_years, d.e));
    this.set("next-perihelion", d.next_perihelion_jd === null ? (d.e >= 1 ? "none (open orbit)" : DASH) : formatUtcDate(d.next_perihelion_jd));
    if (changed) {
      for (const k of [...STATE_KEYS, ...SKY_KEYS]) this.set(k, DASH);
      this.observedJd = Number.NaN;
      this.stateTime.textContent = this.skyTime.textContent = "";
    }
  }

  showPosition(p: CometPosition): void {
    const d = this.detail;
    this.set("r-sun", fixed(p.r_sun_au, 4));
    this.set("r-earth", fixed(p.r_earth_au, 4));
    this.set("speed", fixed(p.speed_km_s, 3));
    if (this.observedJd !== p.time_jd) {
      // Until the observation for this epoch arrives (or when it cannot be computed, e.g.
      // outside the planetary ephemeris), the magnitude comes from the position's distances.
      let m = p.tmag;
      if ((m === null || !Number.isFinite(m)) && d && d.H !== null && d.K !== null) m = totalMagnitude(d.H, d.K, p.r_earth_au, p.r_sun_au);
      this.set("tmag", fixed(m, 1));
    }
    this.stateTime.textContent = `${formatUtc(p.time_jd)} UTC \u00b7 ${p.model === "nbody" ? "N-body" : "Kepler"}`;
  }

  clearPosition(reason: string): void {
    for (const k of STATE_KEYS) this.set(k, DASH);
    this.stateTime.textContent = reason;
  }

  /** Sky position from the geocentre at one epoch (the first entry of the observe arrays). */
  showObservation(o: CometObservation): void {
    this.observedJd = o.times_jd[0];
    this.set("ra", formatRa(o.ra_deg[0], 1));
    this.set("dec", formatDec(o.dec_deg[0], 0));
    this.set("elongation", fixed(o.elongation_deg[0], 1));
    this.set("phase", fixed(o.phase_deg[0], 1));
    this.set("tmag", fixed(o.tmag[0], 1));
    this.skyTime.textContent = "geocentre \u00b7 ICRF";
  }

  /** The sky position is unknown at this time (reason shown in the section title). */
  clearObservation(reason: string): void {
    this.observedJd = Number.NaN;
    for (const k of ["ra", "dec", "elongation", "phase"]) this.set(k, DASH);
    this.skyTime.textContent = reason;
  }
}
