/**
 * Binary bulk data from the server (/api/catalog/positions and /api/catalog/orbits with
 * format=f32): the body is packed little-endian float32, the metadata travels in headers
 *   X-Encke-Count (N), X-Encke-Catalog-Version, X-Encke-Time-Jd (positions, full float64 text)
 *   or X-Encke-Samples (S, orbits).
 * Positions are 3N values [x0, y0, z0, x1, ...] au heliocentric ecliptic J2000 in catalog
 * order, orbits 3*N*S values [comet][sample][x, y, z]; NaN marks failed objects. Pure, so it
 * is unit-tested; one Float32Array view of the response buffer, no per-comet objects.
 */

/** A header lookup (the Fetch API's Headers, or a plain map in tests). */
export interface HeaderSource {
  get(name: string): string | null;
}

export interface PackedPositions {
  time_jd: number;
  catalog_version: string;
  count: number;
  /** 3N au; NaN for failed objects. */
  positions: Float32Array;
}

export interface PackedOrbits {
  catalog_version: string;
  count: number;
  samples: number;
  /** 3*N*S au; NaN for failed samples. */
  positions: Float32Array;
}

function intHeader(headers: HeaderSource, name: string): number {
  const text = headers.get(name);
  const value = Number(text);
  if (text === null || text.trim() === "" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${name}: expected a non-negative integer header, got ${text === null ? "none" : `'${text}'`}`);
  }
  return value;
}

function floats(buffer: ArrayBuffer, expected: number, what: string): Float32Array {
  if (buffer.byteLength !== 4 * expected) {
    throw new Error(`${what}: body has ${buffer.byteLength} bytes, expected ${4 * expected} (${expected} float32 values)`);
  }
  // Every platform browsers run on is little-endian, as the server writes; a typed-array view
  // of the response buffer is then the data itself, with no copy.
  return new Float32Array(buffer);
}

/** Decode a format=f32 catalog positions response. Throws an Error naming what is malformed. */
export function decodePositions(buffer: ArrayBuffer, headers: HeaderSource): PackedPositions {
  const count = intHeader(headers, "X-Encke-Count");
  const timeText = headers.get("X-Encke-Time-Jd");
  const time_jd = Number(timeText);
  if (timeText === null || timeText.trim() === "" || !Number.isFinite(time_jd)) {
    throw new Error(`X-Encke-Time-Jd: expected a Julian date header, got ${timeText === null ? "none" : `'${timeText}'`}`);
  }
  return {
    time_jd,
    catalog_version: headers.get("X-Encke-Catalog-Version") ?? "",
    count,
    positions: floats(buffer, 3 * count, "catalog positions"),
  };
}

/** Decode a format=f32 catalog orbits response. Throws an Error naming what is malformed. */
export function decodeOrbits(buffer: ArrayBuffer, headers: HeaderSource): PackedOrbits {
  const count = intHeader(headers, "X-Encke-Count");
  const samples = intHeader(headers, "X-Encke-Samples");
  return {
    catalog_version: headers.get("X-Encke-Catalog-Version") ?? "",
    count,
    samples,
    positions: floats(buffer, 3 * count * samples, "catalog orbits"),
  };
}

/** JSON's flat arrays (null for failed objects) as the same packed Float32Array (NaN). */
export function packJson(flat: ReadonlyArray<number | null>): Float32Array {
  const out = new Float32Array(flat.length);
  for (let k = 0; k < flat.length; k++) {
    const v = flat[k];
    out[k] = v === null ? Number.NaN : v;
  }
  return out;
}

/**
 * Whether a 422 answer means the server does not know the `format` parameter (an older
 * server): then the client falls back to JSON. FastAPI names the field in its detail.
 */
export function isFormatRejection(status: number, detail: string): boolean {
  return status === 422 && /(^|[\s;.])format\b/.test(detail);
}
