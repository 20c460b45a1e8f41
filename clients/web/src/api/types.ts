/** Response shapes of the encke HTTP API (see the server's /docs). Units: au, au/day, TDB JD. */
import type { Model } from "../state/urlState";

export type Xyz = [number, number, number];

export interface Health {
  status: string;
  catalog_version: string;
  comets: number;
  /** Where the catalog came from and its date (servers from issue 15 on; absent before). */
  catalog_source?: string;
  source?: string;
  catalog_date?: string;
  date?: string;
  catalog?: { source?: string; origin?: string; date?: string; comets?: number; count?: number; path?: string };
}

export interface CometSummary {
  id: string;
  designation: string;
  name: string;
  orbit_type: string;
  q: number;
  e: number;
  i_deg: number;
  node_deg: number;
  argp_deg: number;
  tp_jd: number;
  tp_iso: string;
  period_years: number | null;
  H: number | null;
  K: number | null;
  index: number;
}

export interface CometList {
  total: number;
  offset: number;
  limit: number;
  catalog_version: string;
  comets: CometSummary[];
}

export interface CometDetail extends CometSummary {
  epoch_jd: number | null;
  A1: number;
  A2: number;
  A3: number;
  DT: number;
  reference: string;
  catalog_version: string;
  next_perihelion_jd: number | null;
}

export interface CometPosition {
  id: string;
  time_jd: number;
  model: Model;
  position: Xyz;
  velocity: Xyz;
  r_sun_au: number;
  r_earth_au: number;
  speed_km_s: number;
  tmag: number | null;
  status: string;
}

/**
 * /api/comets/{id}/observe for one time: (M,) arrays with M = 1 here. RA/Dec astrometric
 * ICRF degrees; distances au; angles degrees; null where a value failed or is unknown.
 */
export interface CometObservation {
  id: string;
  observer: string;
  model: Model;
  apparent: boolean;
  frame: string;
  status: string;
  times_jd: number[];
  ra_deg: (number | null)[];
  dec_deg: (number | null)[];
  delta_au: (number | null)[];
  r_au: (number | null)[];
  elongation_deg: (number | null)[];
  phase_deg: (number | null)[];
  tmag: (number | null)[];
  light_time_days: (number | null)[];
  /** Only for a site observer: horizontal coordinates (degrees) and the Sun's elevation. */
  azimuth_deg?: (number | null)[];
  elevation_deg?: (number | null)[];
  sun_elevation_deg?: (number | null)[];
}

export interface OrbitLine {
  id: string;
  positions: Xyz[];
}

export interface CatalogPositions {
  time_jd: number;
  catalog_version: string;
  count: number;
  positions: (number | null)[];
}

export interface CatalogOrbits {
  catalog_version: string;
  count: number;
  samples: number;
  positions: (number | null)[];
}

export interface Planet {
  name: string;
  naif_id: number;
  position: Xyz;
  velocity: Xyz;
  orbit: Xyz[];
}

export interface Planets {
  time_jd: number;
  planets: Planet[];
}

/** A frame of the /ws/follow stream. */
export interface FollowFrame {
  epoch_jd: number;
  ids: string[];
  positions: (Xyz | null)[];
  velocities: (Xyz | null)[];
}

/** /api/comets/{id}/perihelion: the next perihelion at or after time_jd (TDB JD), or null with a reason. */
export interface NextPerihelion {
  id: string;
  model: Model;
  time_jd: number;
  next_perihelion_jd: number | null;
  reason: string;
}

/** One close approach (engine/approaches.py via /api/comets/{id}/approaches). TDB JD, au, km/s. */
export interface Approach {
  designation: string;
  body: string;
  time_tdb_jd: number;
  distance_au: number;
  speed_km_s: number;
  time_3sigma_days: number | null;
  distance_3sigma_au: number | null;
}

export interface Approaches {
  body: string;
  start_jd: number;
  stop_jd: number;
  max_au: number;
  approaches: Approach[];
}

/** /api/comets/{id}/observe?uncertainty=true: the ephemeris of SBDB's solution with Horizons' 3-sigma columns (arcsec, degrees, km). */
export interface ObservationUncertainty extends CometObservation {
  orbit: string;
  uncertainty_note: string;
  ra_3sigma_arcsec: (number | null)[] | null;
  dec_3sigma_arcsec: (number | null)[] | null;
  smaa_3sigma_arcsec: (number | null)[] | null;
  smia_3sigma_arcsec: (number | null)[] | null;
  theta_deg: (number | null)[] | null;
  range_3sigma_km: (number | null)[] | null;
}

/** /api/comets/{id}/covariance: whether SBDB has an orbit covariance for the comet. */
export interface CovarianceInfo {
  id: string;
  available: boolean;
  orbit: string;
  uncertainty_note: string;
  epoch_jd: number | null;
  labels: string[] | null;
}

/** /api/comets/{id}/clones: Monte Carlo clones of SBDB's orbit at one time (au, heliocentric ecliptic J2000). */
export interface Clones {
  id: string;
  time_jd: number;
  model: Model;
  n: number;
  seed: number;
  orbit: string;
  uncertainty_note: string;
  nominal: Xyz | null;
  positions: (Xyz | null)[] | null;
}
