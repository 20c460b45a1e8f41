/**
 * The shareable view state, kept in the page's query string:
 *   ?c=<comet id>&t=<TDB JD>&m=<model>&cam=<px,py,pz,tx,ty,tz>&r=<rate d/s>&api=<base URL>
 * Camera position and orbit target are heliocentric ecliptic au. Unknown or malformed fields
 * are dropped (a shared link must never stop the page from loading); `api` points the viewer
 * at another server and is carried through unchanged.
 */

export type Model = "kepler" | "nbody";

export interface ViewState {
  comet: string | null;
  epochJd: number | null;
  model: Model;
  /** [px, py, pz, tx, ty, tz] au, or null for the default view. */
  camera: number[] | null;
  /** Clock rate in days per second (0 when paused). */
  rate: number;
  api: string | null;
}

export const DEFAULT_STATE: ViewState = {
  comet: null,
  epochJd: null,
  model: "kepler",
  camera: null,
  rate: 0,
  api: null,
};

function round(value: number, digits: number): string {
  // Enough digits to reproduce the view; no float noise in shared links.
  return String(Number(value.toFixed(digits)));
}

/** Encode the state as a query string (with the leading "?", or "" when all defaults). */
export function encodeViewState(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.comet) params.set("c", state.comet);
  if (state.epochJd !== null && Number.isFinite(state.epochJd)) params.set("t", round(state.epochJd, 6));
  if (state.model !== "kepler") params.set("m", state.model);
  if (state.camera && state.camera.length === 6 && state.camera.every(Number.isFinite)) {
    params.set("cam", state.camera.map((v) => round(v, 4)).join(","));
  }
  if (state.rate !== 0 && Number.isFinite(state.rate)) params.set("r", round(state.rate, 6));
  if (state.api) params.set("api", state.api);
  const query = params.toString();
  return query ? `?${query}` : "";
}

/** Decode a query string ("?..." or "...") into a full state, falling back to defaults. */
export function decodeViewState(search: string): ViewState {
  const params = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const state: ViewState = { ...DEFAULT_STATE };
  const comet = params.get("c")?.trim();
  if (comet) state.comet = comet;
  const t = Number(params.get("t"));
  if (params.has("t") && Number.isFinite(t) && t > 0) state.epochJd = t;
  const m = params.get("m");
  if (m === "nbody" || m === "kepler") state.model = m;
  const cam = params.get("cam")?.split(",").map(Number);
  if (cam && cam.length === 6 && cam.every(Number.isFinite)) state.camera = cam;
  const r = Number(params.get("r"));
  if (params.has("r") && Number.isFinite(r)) state.rate = r;
  const api = params.get("api");
  if (api && /^https?:\/\//.test(api)) state.api = api.replace(/\/+$/, "");
  return state;
}
