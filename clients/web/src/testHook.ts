/**
 * window.encke: a read-only view of the viewer's state for browser tests and the console.
 *   epoch             TDB Julian date shown now
 *   selected          the selected comet's designation (canonical id), or null
 *   selectedPosition  [x, y, z] au, heliocentric ecliptic J2000, as last received from the server
 * and a few extras: selectedPositionEpoch and infoEpoch (TDB JD of that position / of the
 * info panel's state), catalogCount, catalogIds, ready (catalog positions shown), orbitsLoaded, planetsLoaded, planetsEpoch (TDB JD of the newest planet positions), playing, rate (days/s),
 * camera ([px, py, pz, tx, ty, tz] au),
 * screenPositionOf(id) (client pixel coordinates of a catalog comet's point, or null),
 * and timings (ms; performance.now() scale, so from navigation start):
 *   firstFrameMs        first frame drawn with the catalog's points (null until then)
 *   firstOrbitsFrameMs  first frame drawn with the points and the orbit lines
 *   frameTimes          the last <= 600 frame intervals (requestAnimationFrame to rAF)
 *   frameWork           the viewer's main-thread work in those frames (tick + render)
 *   frameCount          frames recorded since load (to tell which entries are new)
 *   observeEpoch        TDB JD of the observing panel's values (RA/Dec, elongation, magnitude)
 * and for the panels that show the engine's series:
 *   nextPerihelion      {jd, model} shown in the panel (jd null when none), or null before any
 *   plotSeries          the plots' data (times_jd, r_au, delta_au, tmag, marks) as received
 *   skyChart            the sky chart's comet at the shown time (ra/dec, az/el, observer), or null
 *   busy                whether a request the panels wait for is in flight
 *   limitingMagnitude, tails, magnitudeOf(id) (as drawn), pickAt(x, y) (the id a click there selects)
 *   uncertainty       the toggle's state: covariance available, note, the clones' cloud (time, model,
 *                     count, rms, magnification) and the sky ellipse as drawn (arcsec, px, magnification)
 *   cloudPositions()  the clones as drawn in 3D (au), cloudVisible
 *   upcoming          the catalog-wide approaches listed (window, rows), upcomingLoading
 */
import type { Viewer } from "./viewer";

export function installTestHook(viewer: Viewer): void {
  const hook = Object.freeze({
    get epoch(): number { return viewer.currentEpoch; },
    get selected(): string | null { return viewer.selection.id; },
    get selectedPosition(): number[] | null { return viewer.selection.received ? [...viewer.selection.received] : null; },
    get selectedPositionEpoch(): number | null { return viewer.selection.received ? viewer.selection.receivedJd : null; },
    get infoEpoch(): number | null { return Number.isFinite(viewer.selection.infoJd) ? viewer.selection.infoJd : null; },
    get catalogCount(): number { return viewer.summaries.length; },
    get catalogIds(): string[] { return viewer.summaries.map((s) => s.id); },
    get ready(): boolean { return viewer.comets?.loaded ?? false; },
    get orbitsLoaded(): boolean { return viewer.comets?.orbitsLoaded ?? false; },
    get planetsLoaded(): boolean { return viewer.planetsLoaded; },
    get planetsEpoch(): number | null { const t = viewer.planetsEpoch; return Number.isFinite(t) ? t : null; },
    get playing(): boolean { return viewer.clock.playing; },
    get rate(): number { return viewer.clock.signedRate; },
    /** [px, py, pz, tx, ty, tz]: camera position and orbit target, au heliocentric ecliptic. */
    get camera(): number[] { return viewer.stage.getCamera(); },
    get observeEpoch(): number | null { return Number.isFinite(viewer.selection.observeJd) ? viewer.selection.observeJd : null; },
    get nextPerihelion(): { jd: number | null; model: string } | null {
      const s = viewer.selection;
      return s.perihelionModel && s.perihelionCurrent(viewer.currentEpoch) ? { jd: s.perihelionJd, model: s.perihelionModel } : null;
    },
    get plotSeries(): unknown { return viewer.plots.series ? structuredClone(viewer.plots.series) : null; },
    get approaches(): unknown { return viewer.approaches.state ? structuredClone(viewer.approaches.state) : null; },
    get skyChart(): unknown { return viewer.sky.state ? { ...viewer.sky.state } : null; },
    get busy(): boolean { return viewer.activity.busy; },
    get uncertainty(): unknown { return viewer.uncertainty.state ? structuredClone(viewer.uncertainty.state) : null; },
    cloudPositions(): number[][] { return viewer.cloud.drawn(); },
    get cloudVisible(): boolean { return viewer.cloud.points.visible; },
    get upcoming(): unknown { return viewer.upcoming.state ? structuredClone(viewer.upcoming.state) : null; },
    get upcomingLoading(): boolean { return viewer.upcoming.loading; },
    get catalogModel(): string | null { return viewer.catalogShownModel; },
    /** A catalog comet's position as drawn (au, heliocentric ecliptic), or null. */
    catalogPosition(id: string): number[] | null {
      const k = viewer.indexOf(id), layer = viewer.comets;
      if (k === undefined || !layer || !Number.isFinite(layer.display[3 * k])) return null;
      return [layer.display[3 * k], layer.display[3 * k + 1], layer.display[3 * k + 2]];
    },
    get limitingMagnitude(): number { return viewer.comets?.limit ?? Number.NaN; },
    get tails(): boolean { return viewer.comets?.tails.group.visible ?? false; },
    magnitudeOf(id: string): number | null {
      const k = viewer.indexOf(id);
      if (k === undefined) return null;
      const m = viewer.refreshMagnitudes()[k];
      return Number.isFinite(m) ? m : null;
    },
    pickAt(x: number, y: number): string | null {
      const k = viewer.pickAt(x, y);
      return k === null ? null : viewer.summaries[k].id;
    },
    get firstFrameMs(): number | null { return viewer.firstFrameMs; },
    get firstOrbitsFrameMs(): number | null { return viewer.firstOrbitsFrameMs; },
    get frameTimes(): number[] { return viewer.frames.intervalsMs(); },
    get frameWork(): number[] { return viewer.frames.workMs(); },
    get frameCount(): number { return viewer.frames.total; },
    screenPositionOf(id: string): [number, number] | null {
      const k = viewer.indexOf(id);
      const layer = viewer.comets;
      if (k === undefined || !layer || !layer.isShown(k) || !(viewer.refreshMagnitudes()[k] <= layer.limit)) return null;
      return viewer.stage.toClient(layer.display[3 * k], layer.display[3 * k + 1], layer.display[3 * k + 2]);
    },
  });
  Object.defineProperty(window, "encke", { value: hook, writable: false, configurable: false, enumerable: true });
}
