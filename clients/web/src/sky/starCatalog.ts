/**
 * The bright stars (Hipparcos, V <= 6) and the constellation lines of the d3-celestial
 * package (BSD-3-Clause), shipped as static files of the built viewer and so served by the
 * encke server itself: no network at run time. Loaded once, on the first sky chart.
 * d3-celestial stores RA as a longitude in [-180, 180] degrees; here RA is [0, 360).
 */
import linesUrl from "d3-celestial/data/constellations.lines.json?url";
import starsUrl from "d3-celestial/data/stars.6.json?url";

export interface StarCatalog {
  /** Flat [ra, dec, mag] triples, degrees and V magnitude, brightest first. */
  stars: Float32Array;
  /** Constellation stick figures: polylines of [ra, dec] degrees. */
  lines: [number, number][][];
}

interface Feature<G> { geometry: G; properties: Record<string, unknown> }
interface PointGeometry { coordinates: [number, number] }
interface MultiLineGeometry { coordinates: [number, number][][] }

const ra360 = (lon: number) => (lon < 0 ? lon + 360 : lon);

let loading: Promise<StarCatalog> | null = null;

export function loadStarCatalog(): Promise<StarCatalog> {
  if (!loading) {
    loading = Promise.all([fetch(starsUrl), fetch(linesUrl)]).then(async ([s, l]) => {
      if (!s.ok || !l.ok) throw new Error(`the star catalog files are missing from the server (HTTP ${s.status}/${l.status})`);
      return parseCatalog(await s.json(), await l.json());
    });
    loading.catch(() => (loading = null));
  }
  return loading;
}

export function parseCatalog(stars: { features: Feature<PointGeometry>[] }, lines: { features: Feature<MultiLineGeometry>[] }): StarCatalog {
  const list = stars.features
    .map((f) => [ra360(f.geometry.coordinates[0]), f.geometry.coordinates[1], Number(f.properties.mag)] as const)
    .filter((s) => Number.isFinite(s[2]))
    .sort((a, b) => a[2] - b[2]);
  const flat = new Float32Array(3 * list.length);
  list.forEach((s, k) => flat.set(s, 3 * k));
  const polylines = lines.features.flatMap((f) => f.geometry.coordinates.map((line) => line.map(([lon, dec]) => [ra360(lon), dec] as [number, number])));
  return { stars: flat, lines: polylines };
}
