/**
 * The error banner: one line per problem source ("server", "comet", "follow", ...). A source
 * clears its own message when the problem is gone; the person can dismiss the banner too.
 */
import { h } from "./dom";

export class ErrorBanner {
  readonly element: HTMLDivElement;
  private readonly list: HTMLUListElement;
  private readonly messages = new Map<string, string>();

  constructor() {
    this.list = h("ul", { class: "error-list" });
    const close = h("button", { class: "icon-button", "aria-label": "Dismiss", title: "Dismiss", text: "\u00d7" });
    close.addEventListener("click", () => {
      this.messages.clear();
      this.render();
    });
    this.element = h("div", { class: "error-banner", role: "alert", "data-testid": "error-banner", hidden: true }, [
      h("span", { class: "error-icon", "aria-hidden": "true", text: "!" }),
      this.list,
      close,
    ]);
  }

  set(source: string, message: string): void {
    if (this.messages.get(source) === message) return;
    this.messages.set(source, message);
    this.render();
  }

  clear(source: string): void {
    if (this.messages.delete(source)) this.render();
  }

  has(source: string): boolean {
    return this.messages.has(source);
  }

  private render(): void {
    this.list.replaceChildren(...[...new Set(this.messages.values())].map((m) => h("li", { text: m })));
    this.element.hidden = this.messages.size === 0;
  }
}
