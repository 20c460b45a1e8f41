/**
 * Search by designation or name (the server's /api/comets?search=), with a result list;
 * clicking a result (or Enter for the first) selects that comet.
 */
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { CometSummary } from "../api/types";
import { h } from "./dom";
import { fixed } from "./format";

const SHOWN = 25;

export class SearchPanel {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly results: HTMLUListElement;
  private readonly status: HTMLDivElement;
  private timer: number | undefined;
  private controller: AbortController | null = null;
  private current: CometSummary[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly onSelect: (id: string) => void,
    private readonly onError: (message: string | null) => void,
    /** Orders the server's matches for display (exact designation, name prefix, brightness). */
    private readonly rank: (query: string, matches: CometSummary[]) => CometSummary[] = (_q, m) => m,
  ) {
    this.input = h("input", {
      type: "search", class: "search-input", "data-testid": "search-input", placeholder: "Search comets: 1P, Halley, C/2023 A3…",
      "aria-label": "Search comets by designation or name", autocomplete: "off", spellcheck: "false",
    });
    this.results = h("ul", { class: "search-results", "data-testid": "search-results", role: "listbox" });
    this.status = h("div", { class: "search-status" });
    this.input.addEventListener("input", () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.run(), 150);
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && this.current.length > 0) this.choose(this.current[0]);
      if (e.key === "Escape") this.clear();
    });
    this.element = h("div", { class: "search" }, [this.input, this.status, this.results]);
  }

  focus(): void {
    this.input.focus();
    this.input.select();
  }

  clear(): void {
    this.input.value = "";
    this.current = [];
    this.results.replaceChildren();
    this.status.textContent = "";
  }

  private choose(c: CometSummary): void {
    this.onSelect(c.id);
    this.results.replaceChildren();
    this.status.textContent = "";
    this.current = [];
    this.input.value = "";
    this.input.blur();
  }

  private async run(): Promise<void> {
    const text = this.input.value.trim();
    this.controller?.abort();
    if (!text) {
      this.clear();
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    try {
      // every match (up to 1,000) is ranked here; the first SHOWN are listed
      const page = await this.api.comets({ search: text, limit: 1000 }, controller.signal);
      if (controller.signal.aborted) return;
      this.onError(null);
      this.current = this.rank(text, page.comets).slice(0, SHOWN);
      this.status.textContent = page.total === 0 ? `No comet matches \u201c${text}\u201d.` : page.total > this.current.length ? `${this.current.length} of ${page.total} matches` : "";
      this.results.replaceChildren(
        ...this.current.map((c) => {
          const item = h("li", { class: "search-result", "data-testid": "search-result", role: "option", tabindex: 0, "data-id": c.id }, [
            h("span", { class: "sr-id", text: c.id }),
            h("span", { class: "sr-name", text: c.name && c.name !== c.id ? c.name : "" }),
            h("span", { class: "sr-q", text: `q ${fixed(c.q, 2)} au` }),
          ]);
          item.addEventListener("click", () => this.choose(c));
          item.addEventListener("keydown", (e) => { if (e.key === "Enter") this.choose(c); });
          return item;
        }),
      );
    } catch (err) {
      if ((err as Error).name === "AbortError") return;
      this.onError(err instanceof ApiError ? err.message : String(err));
    }
  }
}
