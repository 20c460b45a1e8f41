/**
 * The whole catalog in a few draw calls: one THREE.Points (preallocated, overwritten by each
 * position sample from the server; sized and lit by predicted magnitude in cometMaterial.ts),
 * the tails (tailLayer.ts, instanced) and one LineSegments of orbit lines (from
 * /api/catalog/orbits). Display positions blend the last two server samples (lerpFrames).
 */
import * as THREE from "three";
import { lerpFrames } from "../math/interpolate";
import { createCometMaterial } from "./cometMaterial";
import { createDotGeometry } from "./dotMaterial";
import { nearestOnScreen } from "./picking";
import { orbitPole, TailLayer } from "./tailLayer";

/** Per-comet physical data the drawing uses (catalog order); NaN where unknown. */
export interface CometPhysics {
  H: ArrayLike<number>;
  K: ArrayLike<number>;
  iDeg: ArrayLike<number>;
  nodeDeg: ArrayLike<number>;
}

const COLOR_PERIODIC = new THREE.Color(0x7fd4ff);
const COLOR_LONG = new THREE.Color(0xb8c4d6);

export class CometLayer {
  readonly points: THREE.Points;
  readonly orbits: THREE.LineSegments;
  readonly count: number;
  /** Positions shown now (au, flat 3N, float64 for the test hook and filters). */
  readonly display: Float64Array;
  private sampleA: Float64Array;
  private sampleB: Float64Array;
  private tA = Number.NaN;
  private tB = Number.NaN;
  private readonly mask: Uint8Array;
  private orbitSamples = 0;
  private orbitValid: Uint8Array | null = null;
  private readonly material: THREE.ShaderMaterial;
  private hasSample = false;
  /** Bumped whenever the orbit lines' geometry or index changes (for the static scene). */
  orbitVersion = 0;

  readonly tails: TailLayer;
  /** Limiting magnitude: fainter comets are not drawn (nor picked). */
  limit = 30;
  private readonly H: Float64Array;
  private readonly K: Float64Array;
  private earth: [number, number, number] | null = null;

  constructor(count: number, periodic: ReadonlyArray<boolean>, physics?: CometPhysics) {
    this.count = count;
    this.display = new Float64Array(3 * count).fill(Number.NaN);
    this.sampleA = new Float64Array(3 * count).fill(Number.NaN);
    this.sampleB = new Float64Array(3 * count).fill(Number.NaN);
    this.mask = new Uint8Array(count).fill(1);
    const geometry = createDotGeometry(count);
    const colors = geometry.getAttribute("color") as THREE.BufferAttribute;
    for (let k = 0; k < count; k++) {
      const c = periodic[k] ? COLOR_PERIODIC : COLOR_LONG;
      colors.setXYZ(k, c.r, c.g, c.b);
    }
    this.H = Float64Array.from({ length: count }, (_, k) => (physics ? physics.H[k] : Number.NaN));
    this.K = Float64Array.from({ length: count }, (_, k) => (physics ? physics.K[k] : Number.NaN));
    const h = new Float32Array(count), kk = new Float32Array(count), pole = new Float32Array(3 * count);
    for (let k = 0; k < count; k++) {
      const known = Number.isFinite(this.H[k]) && Number.isFinite(this.K[k]);
      h[k] = known ? this.H[k] : -99;
      kk[k] = known ? this.K[k] : 0;
      pole.set(physics ? orbitPole(physics.iDeg[k], physics.nodeDeg[k]) : [0, 0, 1], 3 * k);
    }
    geometry.setAttribute("aH", new THREE.BufferAttribute(h, 1));
    geometry.setAttribute("aK", new THREE.BufferAttribute(kk, 1));
    this.tails = new TailLayer(count, this.H, this.K, pole);
    this.material = createCometMaterial(3);
    this.points = new THREE.Points(geometry, this.material);
    this.points.name = "comets";
    // Positions change every frame; skip the bounding-sphere culling test.
    this.points.frustumCulled = false;
    this.orbits = new THREE.LineSegments(
      new THREE.BufferGeometry(),
      new THREE.LineBasicMaterial({ color: 0x3f6e9e, transparent: true, opacity: 0.12, depthWrite: false }),
    );
    this.orbits.name = "comet-orbits";
    this.orbits.frustumCulled = false;
  }

  get loaded(): boolean {
    return this.hasSample;
  }

  get orbitsLoaded(): boolean {
    return this.orbitSamples > 0;
  }

  setPointSize(px: number): void {
    this.material.uniforms.uSize.value = px;
  }

  setLimitingMagnitude(limit: number): void {
    this.limit = limit;
    this.material.uniforms.uLimit.value = limit;
    this.tails.setLimit(limit);
  }

  /** The Earth's position (au) for the magnitudes' delta; null when unknown (delta = r then). */
  setEarth(earth: [number, number, number] | null): void {
    this.earth = earth;
    if (earth) (this.material.uniforms.uEarth.value as THREE.Vector3).set(earth[0], earth[1], earth[2]);
    this.material.uniforms.uHasEarth.value = earth ? 1 : 0;
    this.tails.setEarth(earth);
  }

  get earthPosition(): [number, number, number] | null {
    return this.earth;
  }

  get absoluteH(): Float64Array {
    return this.H;
  }

  get slopeK(): Float64Array {
    return this.K;
  }

  /**
   * A new server sample at tB. While playing, the display now becomes sample A so motion
   * continues without a jump; when paused (exact) both ends are the new sample.
   */
  pushSample(timeJd: number, flat: ArrayLike<number | null>, nowJd: number, exact: boolean): void {
    const b = this.sampleA; // reuse the old A buffer as the new B
    for (let k = 0; k < 3 * this.count; k++) {
      const v = flat[k];
      b[k] = v === null || v === undefined ? Number.NaN : v;
    }
    if (exact || !this.hasSample) {
      this.sampleA = Float64Array.from(b);
      this.tA = timeJd;
    } else {
      this.sampleA = Float64Array.from(this.display);
      this.tA = nowJd;
    }
    this.sampleB = b;
    this.tB = timeJd;
    this.hasSample = true;
  }

  /** Blend the samples at epoch and upload positions. */
  update(epochJd: number): void {
    if (!this.hasSample) return;
    lerpFrames(this.sampleA, this.tA, this.sampleB, this.tB, epochJd, this.display);
    const pos = this.points.geometry.getAttribute("position") as THREE.BufferAttribute;
    const vis = this.points.geometry.getAttribute("aVisible") as THREE.BufferAttribute;
    const p = pos.array as Float32Array, v = vis.array as Float32Array;
    for (let k = 0; k < this.count; k++) {
      const x = this.display[3 * k], y = this.display[3 * k + 1], z = this.display[3 * k + 2];
      const finite = Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z);
      p[3 * k] = finite ? x : 0; p[3 * k + 1] = finite ? y : 0; p[3 * k + 2] = finite ? z : 0;
      v[k] = finite && this.mask[k] ? 1 : 0;
    }
    pos.needsUpdate = true;
    vis.needsUpdate = true;
    if (this.tails.group.visible) this.tails.update(p, v);
  }

  /** Which comets pass the filters (1/0 per catalog index); orbit lines follow. */
  setMask(mask: Uint8Array): void {
    let changed = false;
    for (let k = 0; k < this.count; k++) {
      if (this.mask[k] !== mask[k]) { this.mask[k] = mask[k]; changed = true; }
    }
    if (changed) this.rebuildOrbitIndex();
  }

  isShown(index: number): boolean {
    return this.mask[index] === 1 && Number.isFinite(this.display[3 * index]);
  }

  /** Orbit lines: flat 3*N*S au (null for failed samples), closed for elliptic orbits. */
  setOrbits(flat: ArrayLike<number | null>, samples: number, closed: ReadonlyArray<boolean>): void {
    const n = this.count * samples;
    const positions = new Float32Array(3 * n);
    const valid = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const x = flat[3 * k], y = flat[3 * k + 1], z = flat[3 * k + 2];
      if (x === null || y === null || z === null || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
      positions[3 * k] = x; positions[3 * k + 1] = y; positions[3 * k + 2] = z;
      valid[k] = 1;
    }
    this.orbitSamples = samples;
    this.orbitValid = valid;
    this.closed = closed;
    this.orbits.geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
    this.rebuildOrbitIndex();
  }

  private closed: ReadonlyArray<boolean> = [];

  private rebuildOrbitIndex(): void {
    const S = this.orbitSamples, valid = this.orbitValid;
    if (!S || !valid) return;
    const index: number[] = [];
    for (let c = 0; c < this.count; c++) {
      if (!this.mask[c]) continue;
      const base = c * S;
      for (let j = 0; j < S - 1; j++) if (valid[base + j] && valid[base + j + 1]) index.push(base + j, base + j + 1);
      if (this.closed[c] && valid[base + S - 1] && valid[base]) index.push(base + S - 1, base);
    }
    this.orbits.geometry.setIndex(index);
    this.orbitVersion++;
  }

  /**
   * The shown comet (drawn: passing the filters and the limiting magnitude, given the
   * magnitudes `mags`) nearest to client point (x, y) within maxPx pixels, or null.
   * `project` maps au to client pixels (null behind the camera).
   */
  pickScreen(
    project: (x: number, y: number, z: number) => [number, number] | null, x: number, y: number, maxPx: number, mags: Float64Array,
  ): number | null {
    return nearestOnScreen(this.count, (k) => {
      if (!this.isShown(k) || mags[k] > this.limit) return null;
      return project(this.display[3 * k], this.display[3 * k + 1], this.display[3 * k + 2]);
    }, x, y, maxPx);
  }
}
