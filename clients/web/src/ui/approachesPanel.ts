/**
 * The selected comet's close approaches to the Earth and the planets over +/-2 years of the
 * shown time, as the engine finds them (N-body, /api/comets/{id}/approaches, one request per
 * body). A click on a row moves the clock to that approach.
 */
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { Approach } from "../api/types";
import { formatUtc } from "../time/julian";
import type { Activity } from "./activity";
import { h } from "./dom";

export const APPROACH_HALF_SPAN_DAYS = 730;
/** Bodies and the distance (au) below which an approach is listed. */
export const APPROACH_BODIES: ReadonlyArray<readonly [string, number]> = [["earth", 2.0], ["venus", 1.0], ["mars", 1.0], ["jupiter", 1.0]];

export interface ApproachesState {
  id: string;
  start_jd: number;
  stop_jd: number;
  rows: Approach[];
}

export class ApproachesPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly status: HTMLElement;
  state: ApproachesState | null = null;
  private key = "";
  private token = 0;

  constructor(private readonly api: ApiClient, private readonly activity: Activity, private readonly seek: (jd: number) => void) {
    this.status = h("div", { class: "plot-status" });
    this.body = h("tbody", {});
    this.element = h("div", { class: "approaches" }, [
      this.status,
      h("table", { class: "approach-table", "data-testid": "approaches-list", "aria-label": "Close approaches" }, [
        h("thead", {}, [h("tr", {}, [h("th", { text: "Date (UTC)" }), h("th", { text: "Body" }), h("th", { text: "Distance au" }), h("th", { text: "km/s" })])]),
        this.body,
      ]),
    ]);
  }

  /** Load the approaches around epoch unless those shown cover it (re-centred when near an edge). */
  update(id: string, epoch: number): void {
    const s = this.state;
    const centred = s && s.id === id && Math.abs(epoch - (s.start_jd + APPROACH_HALF_SPAN_DAYS)) < APPROACH_HALF_SPAN_DAYS / 2;
    const key = `${id}|${Math.round(epoch)}`;
    if (centred || this.key.startsWith(`${id}|`) && this.inFlight) return;
    if (this.failed === key) return;
    this.key = key;
    void this.load(id, Math.round(epoch) - 0.5);
  }

  private inFlight = false;
  private failed = "";

  private async load(id: string, centre: number): Promise<void> {
    const token = ++this.token;
    this.inFlight = true;
    this.element.classList.add("stale");
    const start = centre - APPROACH_HALF_SPAN_DAYS, stop = centre + APPROACH_HALF_SPAN_DAYS;
    try {
      const answers = await this.activity.track("close approaches", Promise.all(
        APPROACH_BODIES.map(([body, maxAu]) => this.api.approaches(id, start, stop, body, maxAu)),
      ));
      if (token !== this.token) return;
      const rows = answers.flatMap((a) => a.approaches).sort((a, b) => a.time_tdb_jd - b.time_tdb_jd);
      this.state = { id, start_jd: start, stop_jd: stop, rows };
      this.status.textContent = rows.length ? "" : "No approach within these distances in \u00b12 years.";
      this.body.replaceChildren(...rows.map((r) => {
        const tr = h("tr", { tabindex: 0, "data-jd": r.time_tdb_jd, title: "Go to this date" }, [
          h("td", { text: formatUtc(r.time_tdb_jd) }),
          h("td", { text: r.body.charAt(0).toUpperCase() + r.body.slice(1) }),
          h("td", { text: r.distance_au.toFixed(4) }),
          h("td", { text: r.speed_km_s.toFixed(2) }),
        ]);
        tr.addEventListener("click", () => this.seek(r.time_tdb_jd));
        tr.addEventListener("keydown", (e) => { if (e.key === "Enter") this.seek(r.time_tdb_jd); });
        return tr;
      }));
    } catch (err) {
      if (token !== this.token) return;
      this.failed = this.key;
      this.status.textContent = `Close approaches not available: ${err instanceof ApiError ? err.detail || err.message : String(err)}`;
    } finally {
      if (token === this.token) {
        this.inFlight = false;
        this.element.classList.remove("stale");
      }
    }
  }

  clear(): void {
    this.token++;
    this.inFlight = false;
    this.state = null;
    this.key = "";
    this.failed = "";
  }
}
