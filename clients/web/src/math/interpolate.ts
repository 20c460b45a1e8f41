/**
 * Interpolation between position samples that the server sent. The viewer never computes
 * orbits: it only blends the server's samples for smooth motion between frames.
 */

/**
 * Linear blend of two flat position buffers (3N numbers, au) sampled at tA and tB (TDB JD),
 * evaluated at t and written to `out`. Outside [tA, tB] the nearer sample is used (no
 * extrapolation of a whole catalog). NaN in either sample gives NaN (a failed object).
 */
export function lerpFrames(
  a: ArrayLike<number>, tA: number,
  b: ArrayLike<number>, tB: number,
  t: number, out: Float32Array | Float64Array,
): void {
  const n = Math.min(a.length, b.length, out.length);
  let w = tB === tA ? 1 : (t - tA) / (tB - tA);
  w = Math.min(1, Math.max(0, w));
  for (let k = 0; k < n; k++) out[k] = a[k] + (b[k] - a[k]) * w;
}

export type Vec3 = [number, number, number];

/**
 * Cubic Hermite interpolation of one body from two states (position au, velocity au/day) at
 * t0 and t1, evaluated at t. Exact for motion that is cubic in time; for orbital motion over
 * a tenth of a second of clock it is far below a pixel.
 */
export function hermite(p0: Vec3, v0: Vec3, t0: number, p1: Vec3, v1: Vec3, t1: number, t: number): Vec3 {
  const h = t1 - t0;
  if (h === 0) return [...p1];
  const s = (t - t0) / h;
  const s2 = s * s, s3 = s2 * s;
  const h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  return [0, 1, 2].map((k) => h00 * p0[k] + h10 * h * v0[k] + h01 * p1[k] + h11 * h * v1[k]) as Vec3;
}

/** First-order extrapolation from one state: p + v (t - t0), for short gaps only. */
export function extrapolate(p: Vec3, v: Vec3, t0: number, t: number): Vec3 {
  const dt = t - t0;
  return [p[0] + v[0] * dt, p[1] + v[1] * dt, p[2] + v[2] * dt];
}
