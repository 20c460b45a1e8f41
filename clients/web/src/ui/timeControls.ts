/**
 * Time controls: play/pause, reverse, rate, a date field (UTC), a scrubber over +/-200 years
 * and a "now" button. The Viewer owns the clock; this class only reports intents.
 */
import { SPAN_YEARS } from "../clock";
import { DAYS_PER_JULIAN_YEAR, formatUtc, parseDateInput } from "../time/julian";
import { h } from "./dom";

/** Rates offered, in days per second. */
export const RATES: ReadonlyArray<readonly [string, number]> = [
  ["1 hour / s", 1 / 24],
  ["6 hours / s", 0.25],
  ["1 day / s", 1],
  ["1 week / s", 7],
  ["1 month / s", 30.4375],
  ["3 months / s", 91.3125],
  ["1 year / s", DAYS_PER_JULIAN_YEAR],
];

export interface TimeIntents {
  play(direction: 1 | -1): void;
  pause(): void;
  setRate(daysPerSecond: number): void;
  setEpoch(jd: number): void;
  now(): void;
  dateError(message: string | null): void;
}

export class TimeControls {
  readonly element: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly reverseButton: HTMLButtonElement;
  private readonly rateSelect: HTMLSelectElement;
  private readonly dateInput: HTMLInputElement;
  private readonly scrubber: HTMLInputElement;
  private readonly tdbLabel: HTMLSpanElement;
  private scrubbing = false;

  constructor(private readonly centerJd: number, private readonly intents: TimeIntents) {
    this.reverseButton = h("button", { class: "tc-button", "data-testid": "reverse-button", title: "Play backwards", "aria-label": "Play backwards", text: "\u25c0" });
    this.playButton = h("button", { class: "tc-button tc-play", "data-testid": "play-button", title: "Play / pause", "aria-label": "Play", text: "\u25b6" });
    this.rateSelect = h("select", { class: "tc-rate", "aria-label": "Rate", "data-testid": "rate-select" });
    for (const [label, value] of RATES) this.rateSelect.append(h("option", { value, text: label }));
    this.rateSelect.value = "1";
    this.dateInput = h("input", {
      class: "tc-date", type: "text", "data-testid": "date-input", "aria-label": "Date (UTC)", spellcheck: "false",
      placeholder: "YYYY-MM-DD HH:MM", title: "UTC date and time, or JD 2460600.5 (TDB). Enter to apply.",
    });
    const nowButton = h("button", { class: "tc-now", "data-testid": "now-button", title: "Jump to the present", text: "Now" });
    const span = SPAN_YEARS * DAYS_PER_JULIAN_YEAR;
    this.scrubber = h("input", {
      class: "tc-scrubber", type: "range", min: -span, max: span, step: 1, value: 0,
      "aria-label": `Time, \u00b1${SPAN_YEARS} years from now`, "data-testid": "scrubber",
    });
    this.tdbLabel = h("span", { class: "tc-tdb", title: "Epoch as a TDB Julian date" });
    const ticks = h("div", { class: "tc-ticks", "aria-hidden": "true" }, [
      h("span", { text: `\u2212${SPAN_YEARS} yr` }), h("span", { text: "now" }), h("span", { text: `+${SPAN_YEARS} yr` }),
    ]);

    this.playButton.addEventListener("click", () => {
      const playingForward = this.playButton.classList.contains("active");
      if (playingForward) this.intents.pause();
      else this.intents.play(1);
    });
    this.reverseButton.addEventListener("click", () => {
      const playingBack = this.reverseButton.classList.contains("active");
      if (playingBack) this.intents.pause();
      else this.intents.play(-1);
    });
    this.rateSelect.addEventListener("change", () => this.intents.setRate(Number(this.rateSelect.value)));
    const applyDate = () => {
      try {
        this.intents.setEpoch(parseDateInput(this.dateInput.value));
        this.intents.dateError(null);
        this.dateInput.classList.remove("invalid");
      } catch (err) {
        this.dateInput.classList.add("invalid");
        this.intents.dateError((err as Error).message);
      }
    };
    this.dateInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        applyDate();
        this.dateInput.blur();
      } else if (e.key === "Escape") {
        this.dateInput.blur();
      }
    });
    this.dateInput.addEventListener("change", applyDate);
    nowButton.addEventListener("click", () => {
      this.intents.dateError(null);
      this.intents.now();
    });
    this.scrubber.addEventListener("input", () => {
      this.scrubbing = true;
      this.intents.dateError(null);
      this.intents.setEpoch(this.centerJd + Number(this.scrubber.value));
    });
    this.scrubber.addEventListener("change", () => (this.scrubbing = false));

    this.element = h("div", { class: "time-controls panel", role: "group", "aria-label": "Time" }, [
      h("div", { class: "tc-row" }, [
        this.reverseButton, this.playButton, this.rateSelect,
        h("label", { class: "tc-date-wrap" }, [h("span", { class: "tc-caption", text: "UTC" }), this.dateInput]),
        nowButton, this.tdbLabel,
      ]),
      h("div", { class: "tc-scrub-wrap" }, [this.scrubber, ticks]),
    ]);
  }

  /** Reflect the clock (called a few times a second). */
  update(epochJd: number, playing: boolean, direction: number, rate: number): void {
    const forward = playing && direction > 0, backward = playing && direction < 0;
    this.playButton.classList.toggle("active", forward);
    this.playButton.textContent = forward ? "\u275a\u275a" : "\u25b6";
    this.playButton.setAttribute("aria-label", forward ? "Pause" : "Play");
    this.reverseButton.classList.toggle("active", backward);
    this.reverseButton.textContent = backward ? "\u275a\u275a" : "\u25c0";
    if (document.activeElement !== this.dateInput) {
      this.dateInput.value = formatUtc(epochJd);
      this.dateInput.classList.remove("invalid");
    }
    if (!this.scrubbing) this.scrubber.value = String(epochJd - this.centerJd);
    this.tdbLabel.textContent = `JD ${epochJd.toFixed(3)} TDB`;
    if (Number(this.rateSelect.value) !== rate) {
      const option = [...this.rateSelect.options].find((o) => Number(o.value) === rate);
      if (option) this.rateSelect.value = option.value;
    }
  }
}
