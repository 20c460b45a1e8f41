/**
 * The Viewer owns the render loop and wires the parts together: clock, scene layers, panels,
 * server access and the URL. Data flows one way: server samples -> preallocated buffers ->
 * scene; the viewer never computes an orbit.
 */
import { ApiClient } from "./api/client";
import { ApiError } from "./api/errors";
import { Sampler } from "./api/sampler";
import type { PackedPositions } from "./api/packed";
import type { CometSummary, Planets } from "./api/types";
import { Clock } from "./clock";
import { FrameStats } from "./perf/frameStats";
import { CloudLayer } from "./scene/cloudLayer";
import { CometLayer } from "./scene/cometLayer";
import { PlanetLayer } from "./scene/planetLayer";
import { SceneView } from "./scene/sceneView";
import { SelectionLayer } from "./scene/selectionLayer";
import { Selection } from "./selection";
import { catalogMagnitudes } from "./physics/magnitude";
import { SkyChart } from "./sky/skyChart";
import { computeVisibility } from "./state/filters";
import { rankMatches } from "./state/searchRank";
import { decodeViewState, encodeViewState, type ViewState } from "./state/urlState";
import { nowTdbJd } from "./time/julian";
import { Activity } from "./ui/activity";
import { BrightestList } from "./ui/brightestList";
import { describeCatalog } from "./ui/catalogSource";
import { h } from "./ui/dom";
import { ErrorBanner } from "./ui/errorBanner";
import { ApproachesPanel } from "./ui/approachesPanel";
import { InfoPanel } from "./ui/infoPanel";
import { PlotsPanel } from "./ui/plotsPanel";
import { SearchPanel } from "./ui/searchPanel";
import { SettingsPanel, type ViewSettings } from "./ui/settingsPanel";
import { TimeControls } from "./ui/timeControls";
import { UncertaintyView } from "./ui/uncertaintyView";
import { UpcomingApproaches } from "./ui/upcomingApproaches";

const URL_UPDATE_MS = 500;
const HEALTH_RETRY_MS = 3000;

export class Viewer {
  readonly api: ApiClient;
  readonly clock: Clock;
  readonly stage: SceneView;
  readonly banner = new ErrorBanner();
  readonly activity = new Activity();
  readonly selection: Selection;
  readonly plots: PlotsPanel;
  readonly sky: SkyChart;
  readonly approaches: ApproachesPanel;
  readonly cloud = new CloudLayer();
  readonly uncertainty: UncertaintyView;
  readonly upcoming: UpcomingApproaches;
  private readonly search: SearchPanel;
  private readonly catalogSource: HTMLElement;
  private readonly brightestList: BrightestList;
  /** Predicted magnitudes of the catalog as drawn (geometric, for ranking and picking). */
  private mags = new Float64Array(0);
  private lastPanelMs = 0;
  private catalogModel: "kepler" | "nbody" = "kepler";
  /** Model of the catalog positions shown (of the last sample that arrived). */
  catalogShownModel: "kepler" | "nbody" | null = null;
  comets: CometLayer | null = null;
  summaries: CometSummary[] = [];
  private readonly idIndex = new Map<string, number>();
  private readonly planets = new PlanetLayer();
  private readonly selectionLayer = new SelectionLayer();
  private readonly settings: SettingsPanel;
  private readonly time: TimeControls;
  private readonly info: InfoPanel;
  private readonly loading: HTMLElement;
  private catalogSampler: Sampler<PackedPositions> | null = null;
  private readonly planetSampler: Sampler<Planets>;
  private mask = new Uint8Array(0);
  private follow = false;
  private followPos: [number, number, number] | null = null;
  private lastUrlMs = 0;
  private lastUiMs = 0;
  private epoch: number;
  private loadingCatalog = false;
  /** Bumped when new data arrives or settings change; with the epoch, decides a redraw. */
  private dataVersion = 0;
  private drawn = { epoch: Number.NaN, data: -1, selection: -1 };
  /** Frame intervals and work per frame (ms), for the benchmark and the test hook. */
  readonly frames = new FrameStats(600);
  /** ms from navigation start to the first frame drawn with the catalog's points / points and orbit lines. */
  firstFrameMs: number | null = null;
  firstOrbitsFrameMs: number | null = null;

  constructor(root: HTMLElement, private readonly initial: ViewState = decodeViewState(window.location.search)) {
    this.api = new ApiClient(initial.api ?? "");
    const now = nowTdbJd();
    this.clock = new Clock(initial.epochJd ?? now, now, performance.now(), initial.rate ? Math.abs(initial.rate) : 1);
    this.epoch = this.clock.epochAt(performance.now());

    const host = h("div", { class: "stage" });
    this.loading = h("div", { class: "loading", "data-testid": "loading", text: "Loading the comet catalog\u2026" });
    this.settings = new SettingsPanel((v) => this.applyView(v), () => this.applyFilters());
    this.catalogSource = h("div", { class: "catalog-source", "data-testid": "catalog-source", text: "catalog: \u2026" });
    this.info = new InfoPanel({
      close: () => { this.selection.clear(); this.follow = false; this.info.setFollow(false); },
      model: (m) => this.selection.setModel(m),
      follow: (on) => { this.follow = on; this.followPos = null; },
    });
    this.time = new TimeControls(now, {
      play: (dir) => { this.clock.play(dir, performance.now()); this.clockChanged(false); },
      pause: () => { this.clock.pause(performance.now()); this.clockChanged(false); },
      setRate: (r) => { this.clock.setRate(r, performance.now()); this.clockChanged(false); },
      setEpoch: (jd) => { this.clock.setEpoch(jd, performance.now()); this.clockChanged(true); },
      now: () => { this.clock.setEpoch(nowTdbJd(), performance.now()); this.clockChanged(true); },
      dateError: (m) => (m ? this.banner.set("date", m) : this.banner.clear("date")),
    });
    const seek = (jd: number) => { this.clock.pause(performance.now()); this.clock.setEpoch(jd, performance.now()); this.clockChanged(true); };
    this.plots = new PlotsPanel(this.api, this.activity, seek);
    this.sky = new SkyChart(this.api, this.activity, (m) => this.banner.set("sky", m));
    this.info.addTab("plots", "Plots", this.plots.element);
    this.info.addTab("sky", "Sky chart", this.sky.element);
    this.approaches = new ApproachesPanel(this.api, this.activity, seek);
    this.info.addTab("approaches", "Approaches", this.approaches.element);
    this.uncertainty = new UncertaintyView(this.api, this.activity, this.cloud, this.sky);
    this.info.addControl(this.uncertainty.element);
    this.info.setTabListener(() => (this.lastPanelMs = 0));
    const search = new SearchPanel(
      this.api, (id) => void this.selection.select(id), (m) => (m ? this.banner.set("search", m) : this.banner.clear("search")),
      (query, matches) => { this.refreshMagnitudes(); return rankMatches(query, matches, (k) => this.mags[k] ?? Number.NaN); },
    );
    this.search = search;
    this.brightestList = new BrightestList((id) => void this.selection.select(id));
    this.upcoming = new UpcomingApproaches(this.api, this.activity, (id, jd) => { seek(jd); void this.selection.select(id); });
    root.append(
      host,
      h("div", { class: "left-column" }, [
        h("header", { class: "brand panel" }, [
          h("div", { class: "brand-row" }, [
            h("span", { class: "logo", "aria-hidden": "true", text: "\u2604" }),
            h("h1", { text: "encke" }),
            h("span", { class: "tagline", text: "comet catalog viewer" }),
            this.activity.element,
          ]),
          this.catalogSource,
        ]),
        h("div", { class: "panel search-panel" }, [search.element]),
        this.brightestList.element,
        this.upcoming.element,
        this.settings.element,
      ]),
      this.info.element,
      this.banner.element,
      this.time.element,
      this.loading,
    );

    this.stage = new SceneView(host);
    if (initial.camera) this.stage.setCamera(initial.camera);
    this.stage.scene.add(this.planets.group, this.selectionLayer.group, this.cloud.points);
    this.selection = new Selection(this.api, this.selectionLayer, this.info, this.banner, () => ({ epoch: this.epoch, rate: this.clock.signedRate }), this.activity);
    this.selection.setModel(initial.model);
    this.planetSampler = new Sampler<Planets>(
      (t) => this.api.planets(t),
      (r) => { this.banner.clear("planets"); this.planets.pushSample(r.value.time_jd, r.value.planets, this.epoch, r.exact); this.applyView(this.settings.view); this.dataVersion++; },
      (err) => {
        if (err instanceof ApiError && err.kind === "bad-request") {
          // Outside the ephemeris: say so and hide the planets rather than freeze them in place.
          this.planets.group.visible = false;
          this.dataVersion++;
          this.banner.set("planets", `Planets are not shown at this date: ${err.detail.replace(/^time: /, "") || err.message}`);
        } else {
          this.reportError("planets", err);
        }
      },
      0.4,
      250, // planets move slowly on screen; 4 samples a second are plenty
    );
    this.installPicking(host);
    window.addEventListener("keydown", (e) => this.onKey(e));
  }

  /**
   * Keyboard: space plays and pauses, left/right step the clock (one day; with Shift 30 days),
   * "/" focuses the search. Typing in a field is left alone.
   */
  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === " ") {
      e.preventDefault();
      if (this.clock.playing) this.clock.pause(performance.now()); else this.clock.play(1, performance.now());
      this.clockChanged(false);
    } else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      const step = (e.shiftKey ? 30 : 1) * (e.key === "ArrowRight" ? 1 : -1);
      this.clock.pause(performance.now());
      this.clock.setEpoch(this.clock.epochAt(performance.now()) + step, performance.now());
      this.clockChanged(true);
    } else if (e.key === "/") {
      e.preventDefault();
      this.search.focus();
    }
  }

  /** Recompute the catalog's predicted magnitudes from the positions and the Earth as drawn. */
  refreshMagnitudes(): Float64Array {
    const layer = this.comets;
    if (!layer) return this.mags;
    if (this.mags.length !== layer.count) this.mags = new Float64Array(layer.count);
    return catalogMagnitudes(layer.absoluteH, layer.slopeK, layer.display, layer.earthPosition, this.mags);
  }

  /** Start the loop (the scene draws at once) and load the catalog in the background. */
  start(): void {
    const frame = (startMs: number) => {
      const t0 = performance.now();
      const drew = this.tick();
      const t1 = performance.now();
      this.frames.record(startMs, t1 - t0);
      if (drew) this.markFirstFrames(t1);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    void this.load();
    window.setInterval(() => void this.checkHealth(), 5000);
    if (this.initial.comet) void this.selection.select(this.initial.comet);
  }

  /** Performance marks (and the hook's firstFrameMs) for the first frames with catalog data. */
  private markFirstFrames(nowMs: number): void {
    if (this.firstFrameMs === null && this.comets?.loaded) {
      this.firstFrameMs = nowMs;
      performance.mark("encke:first-frame");
    }
    if (this.firstOrbitsFrameMs === null && this.comets?.loaded && this.comets.orbitsLoaded && this.comets.orbits.visible) {
      this.firstOrbitsFrameMs = nowMs;
      performance.mark("encke:first-orbits-frame");
    }
  }

  /** Catalog index of a comet id as listed by the server (canonical id), or undefined. */
  indexOf(id: string): number | undefined {
    return this.idIndex.get(id);
  }

  get planetsLoaded(): boolean {
    return this.planets.loaded;
  }

  /** TDB Julian date of the newest planet positions received (NaN before any). */
  get planetsEpoch(): number {
    return this.planets.sampleJd;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  private reportError(source: string, err: unknown): void {
    if (err instanceof ApiError && err.kind === "unreachable") this.banner.set("server", err.message);
    else this.banner.set(source, err instanceof Error ? err.message : String(err));
  }

  private async checkHealth(): Promise<void> {
    try {
      const health = await this.api.health();
      this.catalogSource.textContent = describeCatalog(health);
      this.banner.clear("server");
      if (!this.comets) void this.load();
    } catch (err) {
      this.reportError("server", err);
    }
  }

  private async load(): Promise<void> {
    if (this.loadingCatalog || this.comets) return;
    this.loadingCatalog = true;
    try {
      const summaries = await this.api.allComets();
      this.banner.clear("server");
      this.banner.clear("catalog");
      this.summaries = summaries;
      summaries.forEach((c, k) => this.idIndex.set(c.id, k));
      const layer = new CometLayer(summaries.length, summaries.map((c) => c.period_years !== null), {
        H: summaries.map((c) => c.H ?? Number.NaN), K: summaries.map((c) => c.K ?? Number.NaN),
        iDeg: summaries.map((c) => c.i_deg), nodeDeg: summaries.map((c) => c.node_deg),
      });
      this.comets = layer;
      this.stage.scene.add(layer.tails.group);
      void this.checkHealth();
      this.mask = new Uint8Array(summaries.length).fill(1);
      this.stage.staticScene.add(layer.orbits);
      this.stage.scene.add(layer.points);
      this.applyView(this.settings.view);
      this.applyFilters();
      this.catalogSampler = new Sampler<PackedPositions>(
        (t) => {
          const model = this.settings.view.catalogModel;
          const request = this.api.catalogPositions(t, model);
          // N-body for the whole catalog takes the server a while: say so (the page keeps running)
          return model === "nbody" ? this.activity.track("N-body catalog", request) : request;
        },
        (r) => {
          this.banner.clear("catalog");
          layer.pushSample(r.value.time_jd, r.value.positions, this.epoch, r.exact);
          this.catalogShownModel = this.catalogModel;
          this.dataVersion++;
          if (this.settings.filters.nearSunOnly) this.applyFilters();
          this.loading.hidden = true;
        },
        (err) => this.reportError("catalog", err),
      );
      void this.loadOrbits(layer);
    } catch (err) {
      this.reportError("catalog", err);
      this.loading.textContent = "The comet catalog is not available.";
      window.setTimeout(() => { this.loadingCatalog = false; void this.load(); }, HEALTH_RETRY_MS);
      return;
    }
    this.loadingCatalog = false;
  }

  /** The catalog's orbit lines (one request, ~150k points); retried while the server fails. */
  private async loadOrbits(layer: CometLayer): Promise<void> {
    try {
      const orbits = await this.api.catalogOrbits(128);
      layer.setOrbits(orbits.positions, orbits.samples, this.summaries.map((c) => c.e < 1));
      this.dataVersion++;
      this.banner.clear("orbits");
    } catch (err) {
      this.reportError("orbits", err);
      window.setTimeout(() => void this.loadOrbits(layer), HEALTH_RETRY_MS);
    }
  }

  private clockChanged(seek: boolean): void {
    this.epoch = this.clock.epochAt(performance.now());
    if (seek) {
      this.catalogSampler?.invalidate();
      this.planetSampler.invalidate();
      this.selection.seeked();
    } else {
      this.selection.syncFollow();
    }
    this.lastUiMs = 0;
  }

  private applyView(v: ViewSettings): void {
    this.dataVersion++;
    if (v.catalogModel !== this.catalogModel) {
      this.catalogModel = v.catalogModel;
      this.catalogSampler?.invalidate(); // the next sample comes with the new model
    }
    if (this.comets) {
      this.comets.orbits.visible = v.orbits;
      this.comets.setPointSize(v.pointSize);
      this.comets.tails.group.visible = v.tails;
      this.comets.setLimitingMagnitude(v.limitingMagnitude);
    }
    this.planets.group.visible = v.planets;
    this.planets.setOrbitsVisible(v.orbits);
    this.planets.setLabelsVisible(v.labels);
    this.selectionLayer.setLabelVisible(v.labels);
    this.stage.setGridLabelsVisible(v.labels);
  }

  private applyFilters(): void {
    if (!this.comets) return;
    this.dataVersion++;
    const positions = this.comets.loaded ? this.comets.display : new Float64Array(3 * this.summaries.length).fill(Number.NaN);
    const shown = computeVisibility(this.summaries, positions, this.settings.filters, this.mask);
    this.comets.setMask(this.mask);
    this.settings.setCount(shown, this.summaries.length);
  }

  /** The shown comet nearest to a client point within a few pixels (more for a finger), or null. */
  pickAt(clientX: number, clientY: number, touch = false): number | null {
    if (!this.comets) return null;
    const mags = this.refreshMagnitudes();
    return this.comets.pickScreen((x, y, z) => this.stage.toClient(x, y, z), clientX, clientY, touch ? 20 : 9, mags);
  }

  /**
   * Click or tap selects the nearest visible comet (screen-space, see scene/picking.ts); a drag
   * or a two-finger pinch moves the camera instead. Hover names the comet under the pointer,
   * except the selected one, which already has its label.
   */
  private installPicking(host: HTMLElement): void {
    let down: [number, number] | null = null;
    const pointers = new Set<number>();
    let multi = false;
    const tip = h("div", { class: "hover-tip", hidden: true });
    host.append(tip);
    let lastMove = 0;
    host.addEventListener("pointerdown", (e) => {
      pointers.add(e.pointerId);
      if (pointers.size > 1) multi = true;
      down = [e.clientX, e.clientY];
    });
    const release = (e: PointerEvent) => {
      pointers.delete(e.pointerId);
      const start = down, gesture = multi;
      if (pointers.size === 0) { down = null; multi = false; }
      return { start, gesture };
    };
    host.addEventListener("pointercancel", (e) => void release(e));
    host.addEventListener("pointerup", (e) => {
      const { start, gesture } = release(e);
      if (!start || gesture || !this.comets) return;
      if (Math.hypot(e.clientX - start[0], e.clientY - start[1]) > (e.pointerType === "touch" ? 10 : 5)) return; // a drag rotates the camera
      const k = this.pickAt(e.clientX, e.clientY, e.pointerType === "touch");
      if (k !== null) void this.selection.select(this.summaries[k].id);
    });
    // Hover: name the comet under the pointer (throttled; picking is a pass over N points).
    host.addEventListener("pointermove", (e) => {
      if (down || !this.comets || e.pointerType === "touch" || e.timeStamp - lastMove < 60) return;
      lastMove = e.timeStamp;
      const k = this.pickAt(e.clientX, e.clientY);
      const canvas = this.stage.renderer.domElement;
      canvas.style.cursor = k === null ? "" : "pointer";
      if (k === null || this.summaries[k].id === this.selection.id) {
        tip.hidden = true;
        return;
      }
      const c = this.summaries[k];
      const m = this.mags[k];
      tip.textContent = `${c.name && c.name !== c.id ? `${c.id} ${c.name}` : c.id}${Number.isFinite(m) ? ` \u00b7 m ${m.toFixed(1)}` : ""}`;
      const rect = host.getBoundingClientRect();
      tip.style.left = `${e.clientX - rect.left + 14}px`;
      tip.style.top = `${e.clientY - rect.top + 10}px`;
      tip.hidden = false;
    });
    host.addEventListener("pointerleave", () => (tip.hidden = true));
  }

  /** One frame: advance the clock, feed the samplers, update layers, draw if needed (returns whether it drew). */
  private tick(): boolean {
    const wall = performance.now();
    const wasPlaying = this.clock.playing;
    this.epoch = this.clock.epochAt(wall);
    if (wasPlaying && !this.clock.playing) this.clockChanged(false); // stopped at the end of the span
    const rate = this.clock.signedRate;
    this.catalogSampler?.tick(this.epoch, rate, wall);
    this.planetSampler.tick(this.epoch, rate, wall);
    if (this.comets) this.stage.setStaticKey(`${this.comets.orbitVersion}:${this.comets.orbits.visible}`);
    const moved = this.epoch !== this.drawn.epoch || this.dataVersion !== this.drawn.data;
    if (moved) {
      this.planets.update(this.epoch);
      this.comets?.setEarth(this.planets.loaded ? this.planets.positionOf("Earth") : null);
      this.comets?.update(this.epoch);
    }
    this.selection.tick(this.epoch, this.clock.playing, wall);
    const p = this.selection.id ? this.selection.displayPosition(this.epoch) : null;
    this.selectionLayer.setPosition(p);
    this.uncertainty.setCentre(p);
    const selectionVersion = this.selectionLayer.version + this.cloud.version;
    if (moved || selectionVersion !== this.drawn.selection) {
      this.drawn = { epoch: this.epoch, data: this.dataVersion, selection: selectionVersion };
      this.stage.invalidate();
    }
    if (this.follow && p) {
      if (!this.followPos) {
        const t = this.stage.controls.target;
        this.stage.translate(p[0] - t.x, p[1] - t.y, p[2] - t.z);
      } else {
        this.stage.translate(p[0] - this.followPos[0], p[1] - this.followPos[1], p[2] - this.followPos[2]);
      }
      this.followPos = [...p];
    }
    if (wall - this.lastUiMs > 100) {
      this.lastUiMs = wall;
      this.time.update(this.epoch, this.clock.playing, this.clock.dir, this.clock.rate);
      this.markStale();
    }
    if (wall - this.lastPanelMs > 250) {
      this.lastPanelMs = wall;
      this.updatePanels();
    }
    if (wall - this.lastUrlMs > URL_UPDATE_MS) {
      this.lastUrlMs = wall;
      this.updateUrl();
    }
    return this.stage.render();
  }

  /**
   * Grey out what no longer describes the shown time and model: the state and sky sections
   * until the answers for this epoch (paused) and model arrive, the next perihelion until the
   * engine's value for this model is in.
   */
  private markStale(): void {
    const sel = this.selection;
    if (!sel.id) return;
    const playing = this.clock.playing;
    const lagging = (jd: number) => !playing && jd !== this.epoch;
    this.info.setStale("state", sel.infoModel !== sel.model || lagging(sel.infoJd));
    this.info.setStale("sky", sel.observeModel !== sel.model || lagging(sel.observeJd));
    this.info.setStale("perihelion", !sel.perihelionCurrent(this.epoch));
  }

  /**
   * Keep the selected comet's label off the planets' names: try it right, left, below and
   * above the comet, and keep the first place that overlaps no planet label.
   */
  private placeSelectionLabel(): void {
    const label = this.selectionLayer.labelDiv;
    if (!label.isConnected || label.offsetParent === null) return;
    const planets = this.planets.labelElements.filter((e) => e.isConnected && e.offsetParent !== null).map((e) => e.getBoundingClientRect());
    const places = ["right", "left", "below", "above"];
    const current = places.find((p) => label.classList.contains(`place-${p}`)) ?? "right";
    const overlaps = () => {
      const r = label.getBoundingClientRect();
      return planets.some((p) => r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top);
    };
    if (!overlaps()) return;
    for (const place of places) {
      if (place === current) continue;
      label.classList.remove(...places.map((p) => `place-${p}`));
      label.classList.add(`place-${place}`);
      if (!overlaps()) return;
    }
  }

  /** The open tab's plots or sky chart follow the selection, the clock and the model. */
  private updatePanels(): void {
    this.placeSelectionLabel();
    if (this.brightestList.open && this.comets?.loaded) this.brightestList.update(this.refreshMagnitudes(), this.summaries);
    this.upcoming.update(this.epoch, this.clock.playing, this.summaries.length);
    const id = this.selection.id;
    this.uncertainty.update(id, this.epoch, this.selection.model, this.clock.playing);
    if (!id) {
      this.plots.clear();
      this.sky.clear();
      this.approaches.clear();
      return;
    }
    if (this.info.tab === "plots") void this.plots.update(id, this.epoch, this.selection.model);
    else this.plots.setNow(this.epoch);
    if (this.info.tab === "sky") this.sky.update(id, this.epoch, this.selection.model, this.clock.playing);
    if (this.info.tab === "approaches") this.approaches.update(id, this.epoch);
  }

  private updateUrl(): void {
    const search = encodeViewState({
      comet: this.selection.id ?? this.selection.requested,
      epochJd: this.epoch,
      model: this.selection.model,
      camera: this.stage.getCamera(),
      rate: this.clock.rate === 1 ? 0 : this.clock.rate,
      api: this.initial.api,
    });
    if (search !== window.location.search) history.replaceState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
  }
}
