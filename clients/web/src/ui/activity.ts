/**
 * The progress indicator: requests the person is waiting for (the selected comet's state,
 * sky position, next perihelion, plots, sky chart) are tracked here; while any is in flight
 * for longer than a moment, a spinner with what is being computed shows, and the panels grey
 * out the values those requests will replace.
 */
import { h } from "./dom";

const DELAY_MS = 150; // quick answers never flash the indicator

export class Activity {
  readonly element: HTMLElement;
  private readonly label: HTMLSpanElement;
  private readonly pending = new Map<number, string>();
  private next = 0;
  private timer: number | undefined;

  constructor() {
    this.label = h("span", { class: "activity-label" });
    this.element = h("div", {
      class: "activity panel", "data-testid": "loading-indicator", role: "status", "aria-live": "polite", hidden: true,
    }, [h("span", { class: "spinner", "aria-hidden": "true" }), this.label]);
  }

  /** Track a promise under a label ("N-body state", ...) until it settles; returns it unchanged. */
  track<T>(label: string, promise: Promise<T>): Promise<T> {
    const id = this.next++;
    this.pending.set(id, label);
    this.schedule();
    const done = () => {
      this.pending.delete(id);
      this.schedule();
    };
    promise.then(done, done);
    return promise;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    if (this.pending.size === 0) {
      this.element.hidden = true;
      return;
    }
    const labels = [...new Set(this.pending.values())];
    this.label.textContent = `Computing ${labels.join(", ")}\u2026`;
    if (this.element.hidden) this.timer = window.setTimeout(() => (this.element.hidden = this.pending.size === 0), DELAY_MS);
  }
}
