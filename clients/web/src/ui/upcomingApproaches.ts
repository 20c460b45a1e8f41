/**
 * "Upcoming close approaches": the whole catalog's approaches to the Earth within 1 au over
 * the next 90 days (or year) from the shown date, as the engine finds them (N-body, one
 * batched call: GET /api/approaches). The server takes a while for a thousand comets, so the
 * list loads only while it is open, says that it is searching, and the page keeps running.
 * A click selects the comet and moves the clock to the approach.
 */
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { Approach } from "../api/types";
import { formatUtcDate } from "../time/julian";
import type { Activity } from "./activity";
import { h } from "./dom";

export const UPCOMING_MAX_AU = 1.0;
export const UPCOMING_WINDOWS_DAYS = [90, 365] as const;
const SHOWN = 50;

export interface UpcomingState {
  start_jd: number;
  stop_jd: number;
  body: string;
  max_au: number;
  rows: Approach[];
}

/** The approaches to show: by date, at most `count`. */
export function upcomingRows(rows: ReadonlyArray<Approach>, count = SHOWN): Approach[] {
  return [...rows].sort((a, b) => a.time_tdb_jd - b.time_tdb_jd || a.distance_au - b.distance_au).slice(0, count);
}

export class UpcomingApproaches {
  readonly element: HTMLDetailsElement;
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly windowSelect: HTMLSelectElement;
  state: UpcomingState | null = null;
  /** Whether a search is in flight (the list shows "Searching..."). */
  loading = false;
  private token = 0;
  private failedKey = "";

  constructor(private readonly api: ApiClient, private readonly activity: Activity, private readonly onPick: (id: string, jd: number) => void) {
    this.list = h("ol", { class: "rank-list", "data-testid": "upcoming-approaches", "aria-label": "Upcoming close approaches to the Earth" });
    this.status = h("div", { class: "plot-status upcoming-status", "data-testid": "upcoming-status", role: "status" });
    this.windowSelect = h("select", { "data-testid": "upcoming-window", "aria-label": "How far ahead to search for approaches" },
      UPCOMING_WINDOWS_DAYS.map((d) => h("option", { value: d, text: d === 365 ? "next year" : `next ${d} days` })));
    this.windowSelect.addEventListener("change", () => { this.state = null; this.failedKey = ""; this.token++; this.loading = false; });
    this.element = h("details", { class: "upcoming panel" }, [
      h("summary", { text: "Upcoming close approaches" }),
      h("div", { class: "upcoming-controls" }, [
        h("span", { text: `Earth within ${UPCOMING_MAX_AU} au,` }), this.windowSelect,
      ]),
      this.status,
      this.list,
    ]);
  }

  get open(): boolean {
    return this.element.open;
  }

  get windowDays(): number {
    return Number(this.windowSelect.value);
  }

  /**
   * Called a few times a second: while the list is open and the clock is paused, search from
   * the shown date when the shown time has left the window searched (or nothing was searched).
   */
  update(epoch: number, playing: boolean, catalogSize: number): void {
    if (!this.open || this.loading) return;
    const s = this.state;
    if (playing) {
      if (!s) this.status.textContent = "The search starts when the clock is paused.";
      return;
    }
    if (s && epoch >= s.start_jd - 1 && epoch <= s.stop_jd) {
      this.markPast(epoch);
      return;
    }
    const start = Math.floor(epoch - 0.5) + 0.5; // 0h TDB of the shown day
    const key = `${start}|${this.windowDays}`;
    if (key === this.failedKey) return;
    void this.load(start, start + this.windowDays, key, catalogSize);
  }

  private async load(start: number, stop: number, key: string, catalogSize: number): Promise<void> {
    const token = ++this.token;
    this.loading = true;
    this.element.classList.add("stale");
    this.status.textContent = `Searching ${catalogSize ? catalogSize.toLocaleString("en-US") + " comets" : "the catalog"} for approaches to the Earth, ${formatUtcDate(start)} to ${formatUtcDate(stop)} (N-body)\u2026`;
    try {
      const answer = await this.activity.track("catalog approaches", this.api.catalogApproaches(start, stop, "earth", UPCOMING_MAX_AU));
      if (token !== this.token) return;
      const rows = upcomingRows(answer.approaches);
      this.state = { start_jd: answer.start_jd, stop_jd: answer.stop_jd, body: answer.body, max_au: answer.max_au, rows };
      const more = answer.approaches.length > rows.length ? ` (the first ${rows.length} of ${answer.approaches.length})` : "";
      this.status.textContent = rows.length
        ? `${formatUtcDate(start)} to ${formatUtcDate(stop)}${more}`
        : `No comet passes within ${UPCOMING_MAX_AU} au of the Earth from ${formatUtcDate(start)} to ${formatUtcDate(stop)}.`;
      this.list.replaceChildren(...rows.map((r) => {
        const button = h("button", {
          class: "rank-item", "data-id": r.designation, "data-jd": r.time_tdb_jd,
          "aria-label": `Select ${r.designation} and go to its approach on ${formatUtcDate(r.time_tdb_jd)}, ${r.distance_au.toFixed(3)} au`,
        }, [
          h("span", { class: "sr-id", text: r.designation }),
          h("span", { class: "sr-name", text: formatUtcDate(r.time_tdb_jd) }),
          h("span", { class: "sr-q", text: `${r.distance_au.toFixed(3)} au` }),
        ]);
        button.addEventListener("click", () => this.onPick(r.designation, r.time_tdb_jd));
        return h("li", {}, [button]);
      }));
    } catch (err) {
      if (token !== this.token) return;
      this.failedKey = key;
      this.status.textContent = `Close approaches not available: ${err instanceof ApiError ? err.detail || err.message : String(err)}`;
    } finally {
      if (token === this.token) {
        this.loading = false;
        this.element.classList.remove("stale");
      }
    }
  }

  /** Dim the approaches already past at the shown time. */
  private markPast(epoch: number): void {
    for (const b of this.list.querySelectorAll<HTMLButtonElement>("button[data-jd]")) b.classList.toggle("past", Number(b.dataset.jd) < epoch - 0.5);
  }
}
