/**
 * The selected comet: loads its details and orbit, follows it over /ws/follow, refreshes
 * its state for the info panel (/api/comets/{id}/position) and its place in the sky from the
 * geocentre (/api/comets/{id}/observe), and keeps the last position the server sent (for the
 * test hook and the camera).
 */
import type { ApiClient } from "./api/client";
import { ApiError } from "./api/errors";
import { FollowSocket } from "./api/followSocket";
import type { CometDetail, FollowFrame, Xyz } from "./api/types";
import { extrapolate, hermite } from "./math/interpolate";
import type { SelectionLayer } from "./scene/selectionLayer";
import type { Model } from "./state/urlState";
import type { Activity } from "./ui/activity";
import type { ErrorBanner } from "./ui/errorBanner";
import type { InfoPanel } from "./ui/infoPanel";

interface Frame {
  t: number;
  p: Xyz;
  v: Xyz;
}

/** Blend limit: beyond this gap (days) from the last frame, show the frame itself. */
const MAX_EXTRAPOLATION_DAYS = 2;

export class Selection {
  detail: CometDetail | null = null;
  /** The id last asked for (kept in the URL while it loads, or when it was not found). */
  requested: string | null = null;
  model: Model = "kepler";
  /** Last position received from the server (au) and its epoch. */
  received: Xyz | null = null;
  receivedJd = Number.NaN;
  /** Epoch (TDB JD) of the state shown in the info panel. */
  infoJd = Number.NaN;
  /** Epoch (TDB JD) of the sky position (RA/Dec, elongation, magnitude) shown. */
  observeJd = Number.NaN;
  /** Models of the state and the sky position shown (null before the first answer). */
  infoModel: Model | null = null;
  observeModel: Model | null = null;
  /** The next perihelion shown (TDB JD or null), the model and epoch it was computed for. */
  perihelionJd: number | null = null;
  perihelionModel: Model | null = null;
  private perihelionFromJd = Number.NaN;
  private perihelionInFlight = false;
  private perihelionWallMs = -Infinity;
  private prev: Frame | null = null;
  private last: Frame | null = null;
  private socket: FollowSocket | null = null;
  private retryAfterMs = 0;
  private infoInFlight = false;
  /** Epoch of the last position request (compared, not the answer's echo, to avoid refetch loops). */
  private infoRequestedJd = Number.NaN;
  private infoWallMs = -Infinity;
  private observeInFlight = false;
  private observeRequestedJd = Number.NaN;
  private observeWallMs = -Infinity;
  private observeRetryAfterMs = 0;
  private detailWallMs = -Infinity;
  private detailJd = Number.NaN;
  private token = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly layer: SelectionLayer,
    private readonly info: InfoPanel,
    private readonly banner: ErrorBanner,
    private readonly clock: () => { epoch: number; rate: number },
    private readonly activity: Activity,
  ) {
  }

  get id(): string | null {
    return this.detail?.id ?? null;
  }

  /** Select a comet by any designation the server accepts; resolves false if unknown. */
  async select(id: string): Promise<boolean> {
    const token = ++this.token;
    this.requested = id;
    const { epoch } = this.clock();
    try {
      const detail = await this.api.comet(id, epoch);
      if (token !== this.token) return false;
      this.banner.clear("comet");
      this.detail = detail;
      this.detailJd = epoch;
      this.prev = this.last = null;
      this.received = null;
      this.receivedJd = this.infoJd = this.infoRequestedJd = Number.NaN;
      this.observeJd = this.observeRequestedJd = Number.NaN;
      this.infoModel = this.observeModel = null;
      this.resetPerihelion();
      this.info.showDetail(detail);
      this.syncFollow();
      const orbit = await this.api.orbit(detail.id, 512);
      if (token !== this.token) return true;
      this.layer.show(detail.name && detail.name !== detail.id ? `${detail.id} ${detail.name}` : detail.id, orbit.positions, detail.e < 1);
      return true;
    } catch (err) {
      if (token !== this.token) return false;
      const message = err instanceof ApiError ? err.message : String(err);
      this.banner.set("comet", err instanceof ApiError && err.kind === "not-found" ? `${message} Search for it by designation or name.` : message);
      return false;
    }
  }

  clear(): void {
    this.token++;
    this.requested = null;
    this.detail = null;
    this.prev = this.last = null;
    this.received = null;
    this.layer.hide();
    this.info.hide();
    this.syncFollow();
  }

  setModel(model: Model): void {
    this.model = model;
    this.info.setModel(model);
    this.resetPerihelion();
    this.prev = this.last = null;
    this.infoJd = this.infoRequestedJd = Number.NaN;
    this.observeJd = this.observeRequestedJd = Number.NaN;
    this.syncFollow();
  }

  /** Tell the server our clock (after any play/pause/seek/rate/model/selection change). */
  syncFollow(): void {
    if (!this.detail) {
      // Nothing to follow: close the stream rather than keep the server computing for nobody.
      this.socket?.close();
      this.socket = null;
      this.banner.clear("follow");
      return;
    }
    if (!this.socket) {
      this.socket = new FollowSocket(this.api.wsUrl("/ws/follow"), {
        frame: (f) => this.onFrame(f),
        error: (m) => this.banner.set("follow", `Live positions: ${m}`),
        connection: () => undefined,
      });
    }
    const { epoch, rate } = this.clock();
    this.socket.send({ epoch_jd: epoch, rate, ids: [this.detail.id], model: this.model });
  }

  /** After a seek, old frames no longer describe the shown time. */
  seeked(): void {
    this.prev = this.last = null;
    this.syncFollow();
  }

  private onFrame(f: FollowFrame): void {
    if (!this.detail) return;
    const k = f.ids.indexOf(this.detail.id);
    const p = k >= 0 ? f.positions[k] : null, v = k >= 0 ? f.velocities[k] : null;
    if (!p || !v) return;
    this.banner.clear("follow");
    this.prev = this.last;
    this.last = { t: f.epoch_jd, p, v };
    this.received = p;
    this.receivedJd = f.epoch_jd;
  }

  /** Position to draw at epoch (au): Hermite between the last two frames, else a short extrapolation. */
  displayPosition(epoch: number): Xyz | null {
    const a = this.prev, b = this.last;
    if (!b) return this.received;
    if (a && a.t !== b.t && (epoch - a.t) * (epoch - b.t) <= 0) return hermite(a.p, a.v, a.t, b.p, b.v, b.t, epoch);
    if (Math.abs(epoch - b.t) <= MAX_EXTRAPOLATION_DAYS) return extrapolate(b.p, b.v, b.t, epoch);
    return b.p;
  }

  /** Refresh the info panel's state and details as the clock moves (called every frame). */
  tick(epoch: number, playing: boolean, wallMs: number): void {
    const d = this.detail;
    if (!d) return;
    const due = playing ? wallMs - this.infoWallMs > 300 : this.infoRequestedJd !== epoch;
    if (due && !this.infoInFlight && wallMs >= this.retryAfterMs) {
      this.infoInFlight = true;
      this.infoRequestedJd = epoch;
      this.infoWallMs = wallMs;
      const token = this.token, model = this.model;
      this.activity.track(model === "nbody" ? "N-body state" : "state", this.api.position(d.id, epoch, model)).then(
        (p) => {
          this.infoInFlight = false;
          if (token !== this.token || model !== this.model) return;
          this.info.showPosition(p);
          this.infoJd = p.time_jd;
          this.infoModel = model;
          this.banner.clear("position");
          this.received = p.position;
          this.receivedJd = p.time_jd;
          if (!playing && !this.last) this.last = { t: p.time_jd, p: p.position, v: p.velocity };
        },
        (err) => {
          this.infoInFlight = false;
          this.retryAfterMs = performance.now() + 2000;
          if (token !== this.token) return;
          this.infoRequestedJd = Number.NaN; // retry after the back-off
          this.info.clearPosition("unavailable");
          this.banner.set("position", err instanceof ApiError ? err.message : String(err));
        },
      );
    }
    this.refreshObservation(d.id, epoch, playing, wallMs);
    this.refreshPerihelion(d, epoch, wallMs);
    const passed = d.next_perihelion_jd !== null && epoch > d.next_perihelion_jd;
    if ((passed || Math.abs(epoch - this.detailJd) > 1) && wallMs - this.detailWallMs > 1000) {
      this.detailWallMs = wallMs;
      this.detailJd = epoch;
      const token = this.token;
      this.api.comet(d.id, epoch).then(
        (nd) => { if (token === this.token) { this.detail = nd; this.info.showDetail(nd); } },
        () => undefined, // the position refresh reports server problems
      );
    }
  }

  /**
   * The sky position from the geocentre, on the same schedule as the state. Failures that
   * belong to the request (outside the planetary ephemeris: 422) show in the panel, not the
   * banner; server trouble is already reported by the position refresh, and is retried.
   */
  private refreshObservation(id: string, epoch: number, playing: boolean, wallMs: number): void {
    const due = playing ? wallMs - this.observeWallMs > 300 : this.observeRequestedJd !== epoch;
    if (!due || this.observeInFlight || wallMs < this.observeRetryAfterMs) return;
    this.observeInFlight = true;
    this.observeRequestedJd = epoch;
    this.observeWallMs = wallMs;
    const token = this.token, model = this.model;
    this.activity.track(model === "nbody" ? "N-body sky position" : "sky position", this.api.observe(id, epoch, model)).then(
      (o) => {
        this.observeInFlight = false;
        if (token !== this.token || model !== this.model) return;
        this.info.showObservation(o);
        this.observeJd = o.times_jd[0];
        this.observeModel = model;
      },
      (err) => {
        this.observeInFlight = false;
        if (token !== this.token) return;
        this.observeJd = Number.NaN;
        if (err instanceof ApiError && (err.kind === "bad-request" || err.kind === "not-found")) {
          this.info.clearObservation(err.kind === "bad-request" ? `not available: ${err.detail.replace(/^times: /, "")}` : "not available");
        } else {
          this.observeRetryAfterMs = performance.now() + 2000;
          this.observeRequestedJd = Number.NaN; // retry after the back-off
          this.info.clearObservation("unavailable");
        }
      },
    );
  }

  private resetPerihelion(): void {
    this.perihelionJd = null;
    this.perihelionModel = null;
    this.perihelionFromJd = Number.NaN;
    this.perihelionInFlight = false;
  }

  /** Whether the next perihelion shown is for the current model and still ahead of (or at) epoch. */
  perihelionCurrent(epoch: number): boolean {
    if (this.perihelionModel !== this.model) return false;
    if (!(epoch >= this.perihelionFromJd)) return false;
    return this.perihelionJd === null ? true : epoch <= this.perihelionJd;
  }

  /**
   * The next perihelion with the selected model: two-body from the comet's details (the
   * engine's time law, on the server), N-body from /api/comets/{id}/perihelion (the engine
   * integrates to the next minimum of r). Recomputed when the clock passes it or goes back.
   */
  private refreshPerihelion(d: CometDetail, epoch: number, wallMs: number): void {
    if (this.model === "kepler") {
      if (this.perihelionModel !== "kepler" || this.perihelionJd !== d.next_perihelion_jd) {
        this.perihelionModel = "kepler";
        this.perihelionJd = d.next_perihelion_jd;
        this.perihelionFromJd = -Infinity;
        this.info.showNextPerihelion(d.next_perihelion_jd, "kepler", d.e >= 1 ? "none (open orbit)" : "");
      }
      return;
    }
    if (this.perihelionCurrent(epoch) || this.perihelionInFlight || wallMs - this.perihelionWallMs < 1000) return;
    this.perihelionInFlight = true;
    this.perihelionWallMs = wallMs;
    const token = this.token, model = this.model;
    this.activity.track("N-body perihelion", this.api.nextPerihelion(d.id, epoch, model)).then(
      (r) => {
        if (token !== this.token || model !== this.model) return;
        this.perihelionInFlight = false;
        this.perihelionJd = r.next_perihelion_jd;
        this.perihelionFromJd = r.time_jd;
        this.perihelionModel = model;
        this.info.showNextPerihelion(r.next_perihelion_jd, model, r.reason || "none ahead");
      },
      (err) => {
        if (token !== this.token || model !== this.model) return;
        this.perihelionInFlight = false;
        this.perihelionJd = null;
        this.perihelionFromJd = epoch;
        this.perihelionModel = model;
        const reason = err instanceof ApiError && err.kind === "bad-request" ? err.detail.replace(/^time: /, "") : err instanceof ApiError && err.status === 404 ? "not available from this server" : "unavailable";
        this.info.showNextPerihelion(null, model, reason);
      },
    );
  }
}
