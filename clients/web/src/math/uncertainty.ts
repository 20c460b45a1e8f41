/**
 * Geometry of the uncertainty views: Monte Carlo clones around the comet in 3D, and the
 * 3-sigma ellipse on the sky chart. Real uncertainties are tiny on the scales the viewer
 * shows (a well-observed comet's clones spread over a few thousand km; its 3-sigma ellipse is
 * a fraction of an arcsecond), so both are drawn magnified by a power of ten that the page
 * states, never silently.
 */
import type { Xyz } from "../api/types";

/** The smallest power of ten k >= 1 with size * k >= target (1 when size is already large enough or unknown). */
export function magnificationFor(size: number, target: number): number {
  if (!(size > 0) || !Number.isFinite(size) || size >= target) return 1;
  return 10 ** Math.ceil(Math.log10(target / size) - 1e-12);
}

/** The clones' offsets from the nominal orbit (au, 3 per clone; failed clones dropped) and their rms distance. */
export function cloneOffsets(positions: ReadonlyArray<Xyz | null>, nominal: Xyz): { offsets: Float64Array; rms: number } {
  const kept = positions.filter((p): p is Xyz => p !== null && p.every((x) => x !== null && Number.isFinite(x)));
  const offsets = new Float64Array(3 * kept.length);
  let sum = 0;
  kept.forEach((p, k) => {
    for (let j = 0; j < 3; j++) {
      const d = p[j] - nominal[j];
      offsets[3 * k + j] = d;
      sum += d * d;
    }
  });
  return { offsets, rms: kept.length ? Math.sqrt(sum / kept.length) : 0 };
}

/**
 * The 3-sigma ellipse on a north-up, east-left chart: semi-axes in pixels and the canvas
 * rotation of the major axis (radians from +x, clockwise as canvas y points down).
 * theta: position angle of the major axis from north through east (Horizons' convention).
 */
export function skyEllipse(smaaArcsec: number, smiaArcsec: number, thetaDeg: number, pxPerDeg: number, magnification: number): { a: number; b: number; rotation: number } {
  const k = (pxPerDeg / 3600) * magnification;
  const t = (thetaDeg * Math.PI) / 180;
  // north is -y and east is -x on the chart: the major axis points along (-sin t, -cos t)
  return { a: smaaArcsec * k, b: smiaArcsec * k, rotation: Math.atan2(-Math.cos(t), -Math.sin(t)) };
}

/** "×1", "×1,000", "×1e+6": how much a drawing is magnified. */
export function formatMagnification(k: number): string {
  return k < 1e6 ? `\u00d7${k.toLocaleString("en-US")}` : `\u00d710^${Math.round(Math.log10(k))}`;
}
