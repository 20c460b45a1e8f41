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
import { CometLayer } from "./scene/cometLayer";
import { PlanetLayer } from "./scene/planetLayer";
import { SceneView } from "./scene/sceneView";
import { SelectionLayer } from "./scene/selectionLayer";
import { Selection } from "./selection";
import { computeVisibility } from "./state/filters";
import { decodeViewState, encodeViewState, type ViewState } from "./state/urlState";
import { nowTdbJd } from "./time/julian";
import { h } from "./ui/dom";
import { ErrorBanner } from "./ui/errorBanner";
import { InfoPanel } from "./ui/infoPanel";
import { SearchPanel } from "./ui/searchPanel";
import { SettingsPanel, type ViewSettings } from "./ui/settingsPanel";
import { TimeControls } from "./ui/timeControls";

const URL_UPDATE_MS = 500;
const HEALTH_RETRY_MS = 3000;

export class Viewer {
  readonly api: ApiClient;
  readonly clock: Clock;
  readonly stage: SceneView;
  readonly banner = new ErrorBanner();
  readonly selection: Selection;
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
    const search = new SearchPanel(this.api, (id) => void this.selection.select(id), (m) => (m ? this.banner.set("search", m) : this.banner.clear("search")));
    root.append(
      host,
      h("div", { class: "left-column" }, [
        h("header", { class: "brand panel" }, [
          h("span", { class: "logo", "aria-hidden": "true", text: "\u2604" }),
          h("h1", { text: "encke" }),
          h("span", { class: "tagline", text: "comet catalog viewer" }),
        ]),
        h("div", { class: "panel search-panel" }, [search.element]),
        this.settings.element,
      ]),
      this.info.element,
      this.banner.element,
      this.time.element,
      this.loading,
    );

    this.stage = new SceneView(host);
    if (initial.camera) this.stage.setCamera(initial.camera);
    this.stage.scene.add(this.planets.group, this.selectionLayer.group);
    this.selection = new Selection(this.api, this.selectionLayer, this.info, this.banner, () => ({ epoch: this.epoch, rate: this.clock.signedRate }));
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
    window.addEventListener("keydown", (e) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      if (e.key === " ") {
        e.preventDefault();
        if (this.clock.playing) this.clock.pause(performance.now()); else this.clock.play(1, performance.now());
        this.clockChanged(false);
      }
    });
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

  get currentEpoch(): number {
    return this.epoch;
  }

  private reportError(source: string, err: unknown): void {
    if (err instanceof ApiError && err.kind === "unreachable") this.banner.set("server", err.message);
    else this.banner.set(source, err instanceof Error ? err.message : String(err));
  }

  private async checkHealth(): Promise<void> {
    try {
      await this.api.health();
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
      const layer = new CometLayer(summaries.length, summaries.map((c) => c.period_years !== null));
      this.comets = layer;
      this.mask = new Uint8Array(summaries.length).fill(1);
      this.stage.staticScene.add(layer.orbits);
      this.stage.scene.add(layer.points);
      this.applyView(this.settings.view);
      this.applyFilters();
      this.catalogSampler = new Sampler<PackedPositions>(
        (t) => this.api.catalogPositions(t),
        (r) => {
          this.banner.clear("catalog");
          layer.pushSample(r.value.time_jd, r.value.positions, this.epoch, r.exact);
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
    if (this.comets) {
      this.comets.orbits.visible = v.orbits;
      this.comets.setPointSize(v.pointSize);
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

  private installPicking(host: HTMLElement): void {
    let down: [number, number] | null = null;
    const tip = h("div", { class: "hover-tip", hidden: true });
    host.append(tip);
    let lastMove = 0;
    host.addEventListener("pointerdown", (e) => (down = [e.clientX, e.clientY]));
    host.addEventListener("pointerup", (e) => {
      if (!down || !this.comets) return;
      const moved = Math.hypot(e.clientX - down[0], e.clientY - down[1]);
      down = null;
      if (moved > 5) return; // a drag rotates the camera; only a click selects
      const k = this.comets.pick(this.stage.raycasterAt(e.clientX, e.clientY, 8));
      if (k !== null) void this.selection.select(this.summaries[k].id);
    });
    // Hover: name the comet under the pointer (throttled; picking is a pass over N points).
    host.addEventListener("pointermove", (e) => {
      if (down || !this.comets || e.timeStamp - lastMove < 60) return;
      lastMove = e.timeStamp;
      const k = this.comets.pick(this.stage.raycasterAt(e.clientX, e.clientY, 8));
      const canvas = this.stage.renderer.domElement;
      if (k === null) {
        tip.hidden = true;
        canvas.style.cursor = "";
        return;
      }
      const c = this.summaries[k];
      tip.textContent = c.name && c.name !== c.id ? `${c.id} ${c.name}` : c.id;
      const rect = host.getBoundingClientRect();
      tip.style.left = `${e.clientX - rect.left + 14}px`;
      tip.style.top = `${e.clientY - rect.top + 10}px`;
      tip.hidden = false;
      canvas.style.cursor = "pointer";
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
      this.comets?.update(this.epoch);
      this.planets.update(this.epoch);
    }
    this.selection.tick(this.epoch, this.clock.playing, wall);
    const p = this.selection.id ? this.selection.displayPosition(this.epoch) : null;
    this.selectionLayer.setPosition(p);
    if (moved || this.selectionLayer.version !== this.drawn.selection) {
      this.drawn = { epoch: this.epoch, data: this.dataVersion, selection: this.selectionLayer.version };
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
    }
    if (wall - this.lastUrlMs > URL_UPDATE_MS) {
      this.lastUrlMs = wall;
      this.updateUrl();
    }
    return this.stage.render();
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
