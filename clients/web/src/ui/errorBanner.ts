/**
 * The one error area: it shows the latest problem only, as one line, never a stack. Each
 * source ("server", "comet", "follow", ...) sets and clears its own message; the area shows
 * the most recently set message that is still active, and hides it after SHOW_MS unless the
 * source is persistent (an unreachable server stays on screen until it answers again).
 * The person can dismiss it too.
 */
import { h } from "./dom";

const SHOW_MS = 9000;
const PERSISTENT = new Set(["server"]);

export class ErrorBanner {
  readonly element: HTMLDivElement;
  private readonly text: HTMLSpanElement;
  /** Active messages by source, in the order they were (re)set: the last is shown. */
  private readonly messages = new Map<string, string>();
  private hideTimer: number | undefined;
  private shown: string | null = null;

  constructor() {
    this.text = h("span", { class: "error-text" });
    const close = h("button", { class: "icon-button", "aria-label": "Dismiss the message", title: "Dismiss", text: "\u00d7" });
    close.addEventListener("click", () => this.hide());
    this.element = h("div", { class: "error-banner", role: "alert", "data-testid": "error-banner", hidden: true }, [
      h("span", { class: "error-icon", "aria-hidden": "true", text: "!" }),
      this.text,
      close,
    ]);
  }

  set(source: string, message: string): void {
    if (this.messages.get(source) === message) return;
    this.messages.delete(source);
    this.messages.set(source, message);
    this.show(source, message);
  }

  clear(source: string): void {
    if (!this.messages.delete(source)) return;
    if (this.shown !== source) return;
    // the next most recent active problem, if any, takes its place (briefly)
    const rest = [...this.messages.entries()];
    if (rest.length) this.show(...rest[rest.length - 1]);
    else this.hide();
  }

  has(source: string): boolean {
    return this.messages.has(source);
  }

  /** The message on screen, or null. */
  get current(): string | null {
    return this.element.hidden ? null : this.text.textContent;
  }

  private show(source: string, message: string): void {
    this.shown = source;
    this.text.textContent = message;
    this.element.hidden = false;
    window.clearTimeout(this.hideTimer);
    if (!PERSISTENT.has(source)) this.hideTimer = window.setTimeout(() => this.hide(), SHOW_MS);
  }

  private hide(): void {
    window.clearTimeout(this.hideTimer);
    this.shown = null;
    this.element.hidden = true;
  }
}
