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
import { formatUtc } from "../time/julian";
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
  private readonly sections = new Map<string, HTMLElement>();
  private readonly tabs: HTMLElement;
  private readonly pages: HTMLElement;
  private readonly tabButtons = new Map<string, HTMLButtonElement>();
  private readonly tabPages = new Map<string, HTMLElement>();
  /** The open tab ("details", "plots", "sky", ...). */
  tab = "details";
  private onTab: (name: string) => void = () => undefined;
  private perihelionModel: Model | null = null;
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

    const row = (label: string, key: string, unit = "", title = "", rowTestId = "") => {
      const value = h("span", { class: "value", "data-testid": `info-${key}` , text: DASH });
      this.fields.set(key, value);
      return h("div", { class: "row", title, ...(rowTestId ? { "data-testid": rowTestId } : {}) }, [h("span", { class: "label", text: label }), h("span", { class: "value-wrap" }, [value, unit ? h("span", { class: "unit", text: unit }) : ""])]);
    };
    const section = (name: string, attrs: Record<string, string>, children: (Node | string)[]) => {
      const el = h("section", attrs, children);
      this.sections.set(name, el);
      return el;
    };
    const collapse = h("button", { class: "icon-button collapse-button", "aria-label": "Fold the panel", title: "Fold / unfold", "aria-expanded": "true", text: "▾" });
    collapse.addEventListener("click", () => {
      const folded = this.element.classList.toggle("folded");
      collapse.setAttribute("aria-expanded", String(!folded));
      collapse.setAttribute("aria-label", folded ? "Unfold the panel" : "Fold the panel");
    });
    this.tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Selected comet" });
    this.pages = h("div", { class: "tab-pages" });
    const details = h("div", { class: "details" }, [
      section("orbit", {}, [
        h("h3", { text: "Orbit" }),
        row("Perihelion distance q", "q", "au"),
        row("Eccentricity e", "e"),
        row("Inclination i", "i", "\u00b0"),
        row("Ascending node \u03a9", "node", "\u00b0"),
        row("Arg. of perihelion \u03c9", "argp", "\u00b0"),
        row("Perihelion date", "tp", "", "Time of perihelion passage of the catalog orbit (UTC)"),
        row("Period", "period"),
        row("Next perihelion", "next-perihelion", "", "The next passage at or after the shown time, computed by the engine with the selected model", "next-perihelion"),
      ]),
      section("state", {}, [
        h("h3", {}, ["Now ", this.stateTime]),
        row("Distance from Sun r", "r-sun", "au"),
        row("Distance from Earth \u0394", "r-earth", "au"),
        row("Speed (heliocentric)", "speed", "km/s"),
      ]),
      section("sky", { "data-testid": "info-sky" }, [
        h("h3", {}, ["Sky from Earth ", this.skyTime]),
        row("Right ascension \u03b1", "ra", "", "Astrometric ICRF (J2000) right ascension seen from the geocentre, light time included"),
        row("Declination \u03b4", "dec", "", "Astrometric ICRF (J2000) declination seen from the geocentre"),
        row("Elongation", "elongation", "\u00b0", "Sun-Earth-comet angle"),
        row("Phase angle", "phase", "\u00b0", "Sun-comet-Earth angle"),
        row("Total magnitude m", "tmag", "", "m = H + 5 log\u2081\u2080 \u0394 + 2.5 K log\u2081\u2080 r"),
      ]),
    ]);
    this.element = h("aside", { class: "info-panel panel", "data-testid": "info-panel", hidden: true, "aria-label": "Selected comet" }, [
      h("header", { class: "info-header" }, [h("div", {}, [this.title, this.subtitle]), h("div", { class: "info-buttons" }, [collapse, close])]),
      h("section", { class: "info-controls" }, [
        h("label", { class: "field" }, [h("span", { text: "Model" }), this.modelSelect]),
        h("label", { class: "check" }, [this.followBox, h("span", { text: "Follow with camera" })]),
      ]),
      this.tabs,
      this.pages,
    ]);
    this.addTab("details", "Details", details);
    const perihelionRow = this.fields.get("next-perihelion")?.parentElement?.parentElement;
    if (perihelionRow) this.sections.set("perihelion", perihelionRow);
  }

  /** A control under the model and follow switches (the uncertainty toggle). */
  addControl(el: HTMLElement): void {
    this.element.querySelector(".info-controls")?.append(el);
  }

  /** A tab page (plots, sky chart, approaches) beside the details. */
  addTab(name: string, label: string, page: HTMLElement): void {
    const button = h("button", { class: "tab", role: "tab", "aria-selected": "false", "data-testid": `tab-${name}`, text: label });
    button.addEventListener("click", () => this.openTab(name));
    this.tabButtons.set(name, button);
    this.tabs.append(button);
    const wrap = h("div", { class: "tab-page", role: "tabpanel", "aria-label": label }, [page]);
    this.tabPages.set(name, wrap);
    this.pages.append(wrap);
    this.openTab(this.tab);
  }

  openTab(name: string): void {
    if (!this.tabButtons.has(name)) return;
    this.tab = name;
    for (const [n, b] of this.tabButtons) b.setAttribute("aria-selected", String(n === name));
    for (const [n, p] of this.tabPages) p.hidden = n !== name;
    this.onTab(name);
  }

  setTabListener(fn: (name: string) => void): void {
    this.onTab = fn;
  }

  /** Grey a section ("state", "sky", "orbit") while its values are about to be replaced. */
  setStale(name: string, stale: boolean): void {
    this.sections.get(name)?.classList.toggle("stale", stale);
  }

  /** The next perihelion as the engine gives it for `model` (null: none ahead / not computable, with a reason). */
  showNextPerihelion(jd: number | null, model: Model, reason = ""): void {
    this.perihelionModel = model;
    const tag = model === "nbody" ? " · N-body" : "";
    this.set("next-perihelion", jd === null ? reason || DASH : `${formatUtc(jd)} UTC${tag}`);
    this.fields.get("next-perihelion")?.setAttribute("data-jd", jd === null ? "" : String(jd));
  }

  /** Whether the shown next perihelion was computed with `model`. */
  perihelionShownFor(model: Model): boolean {
    return this.perihelionModel === model;
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
