/** View settings (orbits, labels, planets, point size) and catalog filters. */
import type { FilterSettings } from "../state/filters";
import { NEAR_SUN_AU } from "../state/filters";
import { h } from "./dom";

export interface ViewSettings {
  orbits: boolean;
  labels: boolean;
  planets: boolean;
  pointSize: number;
  /** Comae and tails of the comets near the Sun. */
  tails: boolean;
  /** Limiting magnitude: comets predicted fainter are not drawn. */
  limitingMagnitude: number;
  /** Model of the catalog's points: Kepler, or N-body computed by the server (slower). */
  catalogModel: "kepler" | "nbody";
}

export const DEFAULT_VIEW: ViewSettings = { orbits: true, labels: true, planets: true, pointSize: 3, tails: true, limitingMagnitude: 30, catalogModel: "kepler" };

export class SettingsPanel {
  readonly element: HTMLElement;
  private readonly countLabel: HTMLSpanElement;
  readonly view: ViewSettings = { ...DEFAULT_VIEW };
  readonly filters: FilterSettings = { periodicOnly: false, qMaxAu: Infinity, nearSunOnly: false };

  constructor(private readonly onView: (v: ViewSettings) => void, private readonly onFilters: (f: FilterSettings) => void) {
    const toggle = (label: string, testid: string, checked: boolean, apply: (on: boolean) => void) => {
      const input = h("input", { type: "checkbox", "data-testid": testid, checked });
      input.addEventListener("change", () => apply(input.checked));
      return h("label", { class: "check" }, [input, h("span", { text: label })]);
    };
    const size = h("input", { type: "range", min: 1, max: 8, step: 0.5, value: this.view.pointSize, "data-testid": "point-size", "aria-label": "Point size" });
    size.addEventListener("input", () => { this.view.pointSize = Number(size.value); this.onView(this.view); });
    const qMax = h("input", { type: "number", min: 0, step: 0.5, placeholder: "any", class: "q-max", "data-testid": "filter-q-max", "aria-label": "Maximum perihelion distance in au" });
    qMax.addEventListener("input", () => {
      const v = qMax.value.trim() === "" ? Infinity : Number(qMax.value);
      this.filters.qMaxAu = Number.isFinite(v) && v >= 0 ? v : Infinity;
      this.onFilters(this.filters);
    });
    const limitValue = h("span", { class: "unit limit-value", text: "all" });
    const limit = h("input", {
      type: "range", min: 4, max: 30, step: 0.5, value: this.view.limitingMagnitude, "data-testid": "limiting-magnitude",
      "aria-label": "Limiting magnitude: hide comets predicted fainter than this",
    });
    const showLimit = () => (limitValue.textContent = this.view.limitingMagnitude >= 30 ? "all" : `m ≤ ${this.view.limitingMagnitude.toFixed(1)}`);
    limit.addEventListener("input", () => { this.view.limitingMagnitude = Number(limit.value); showLimit(); this.onView(this.view); });
    const catalogModel = h("select", { class: "catalog-model", "data-testid": "catalog-model", "aria-label": "Model of the catalog's points" }, [
      h("option", { value: "kepler", text: "Kepler (fast)" }),
      h("option", { value: "nbody", text: "N-body (server, slower)" }),
    ]);
    catalogModel.addEventListener("change", () => { this.view.catalogModel = catalogModel.value as "kepler" | "nbody"; this.onView(this.view); });
    this.countLabel = h("span", { class: "count", "data-testid": "shown-count" });
    const body = h("div", { class: "settings-body" }, [
      h("div", { class: "group-title", text: "Show" }),
      toggle("Orbits", "toggle-orbits", true, (on) => { this.view.orbits = on; this.onView(this.view); }),
      toggle("Labels", "toggle-labels", true, (on) => { this.view.labels = on; this.onView(this.view); }),
      toggle("Planets", "toggle-planets", true, (on) => { this.view.planets = on; this.onView(this.view); }),
      toggle("Comae and tails", "tails-toggle", true, (on) => { this.view.tails = on; this.onView(this.view); }),
      h("label", { class: "slider" }, [h("span", { text: "Point size" }), size]),
      h("label", { class: "slider", title: "Predicted total magnitude, from the catalog's H and K" }, [h("span", { text: "Brightest to" }), limit, limitValue]),
      h("label", { class: "field" }, [h("span", { text: "Points" }), catalogModel]),
      h("div", { class: "group-title", text: "Filter comets" }),
      toggle("Periodic only", "filter-periodic", false, (on) => { this.filters.periodicOnly = on; this.onFilters(this.filters); }),
      h("label", { class: "slider" }, [h("span", { text: "q \u2264" }), qMax, h("span", { class: "unit", text: "au" })]),
      toggle(`Near the Sun now (r < ${NEAR_SUN_AU} au)`, "filter-near-sun", false, (on) => { this.filters.nearSunOnly = on; this.onFilters(this.filters); }),
      this.countLabel,
    ]);
    // Open on wide screens; folded on phones, where it would cover the scene.
    const wide = typeof window.matchMedia !== "function" || !window.matchMedia("(max-width: 820px)").matches;
    const details = h("details", { class: "settings panel", open: wide }, [h("summary", { text: "View & filters" }), body]);
    this.element = details;
  }

  setCount(shown: number, total: number): void {
    this.countLabel.textContent = `${shown.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} comets shown`;
  }
}
