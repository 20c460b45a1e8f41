/**
 * "Brightest now": the catalog's comets with the smallest predicted total magnitude at the
 * shown time (from the positions and the Earth as drawn; see physics/magnitude.ts), refreshed
 * a few times a second while the list is open. A click selects the comet.
 */
import type { CometSummary } from "../api/types";
import { UNKNOWN_MAGNITUDE } from "../physics/magnitude";
import { h } from "./dom";

const SHOWN = 10;

/** Indices of the `count` brightest finite magnitudes (catalog order breaks ties); unknown H/K excluded. */
export function brightest(mags: ArrayLike<number>, count: number, known: (k: number) => boolean): number[] {
  const order: number[] = [];
  for (let k = 0; k < mags.length; k++) if (Number.isFinite(mags[k]) && known(k)) order.push(k);
  order.sort((a, b) => mags[a] - mags[b] || a - b);
  return order.slice(0, count);
}

export class BrightestList {
  readonly element: HTMLDetailsElement;
  private readonly list: HTMLOListElement;
  private shownKey = "";

  constructor(private readonly onSelect: (id: string) => void) {
    this.list = h("ol", { class: "rank-list", "data-testid": "brightest-list", "aria-label": "Brightest comets now" });
    this.element = h("details", { class: "lists panel" }, [h("summary", { text: "Brightest now" }), this.list]);
  }

  get open(): boolean {
    return this.element.open;
  }

  update(mags: Float64Array, summaries: ReadonlyArray<CometSummary>): void {
    const top = brightest(mags, SHOWN, (k) => summaries[k].H !== null && summaries[k].K !== null && mags[k] !== UNKNOWN_MAGNITUDE);
    const key = top.map((k) => `${k}:${mags[k].toFixed(1)}`).join(",");
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.list.replaceChildren(...top.map((k) => {
      const c = summaries[k];
      const item = h("li", {}, [h("button", { class: "rank-item", "data-id": c.id, "aria-label": `Select ${c.id}${c.name ? ` ${c.name}` : ""}, magnitude ${mags[k].toFixed(1)}` }, [
        h("span", { class: "sr-id", text: c.id }),
        h("span", { class: "sr-name", text: c.name && c.name !== c.id ? c.name : "" }),
        h("span", { class: "sr-q", "data-testid": "brightest-mag", text: `m ${mags[k].toFixed(1)}` }),
      ])]);
      item.querySelector("button")?.addEventListener("click", () => this.onSelect(c.id));
      return item;
    }));
  }
}
