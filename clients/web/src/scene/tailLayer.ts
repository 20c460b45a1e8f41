/**
 * Comet tails on the GPU: two instanced ribbons per active comet (one draw call each), built
 * in the vertex shader from the comet's position, the orbit's pole, the tail's length and the
 * comet's activity:
 * - the ion tail, straight away from the Sun (blue);
 * - the dust tail, in the orbit plane, curving back from the anti-Sun line towards the
 *   trailing side (-(pole x r) is against the motion), wider and shorter (warm white).
 * Each frame, tailedComets() picks on the CPU the few comets whose tail is long enough to
 * draw (most of the catalog is too far or too faint), with activity() and tailLengthAu() of
 * physics/magnitude.ts, and only those become instances: with a software rasterizer (as on
 * machines without a GPU) shading the ribbons of every catalog comet, only to collapse nearly
 * all of them, cost more than the rest of the frame. Blending is additive, with premultiplied
 * output so the transparent upper canvas composites over the orbit lines.
 */
import * as THREE from "three";
import { activity, tailLengthAu, totalMagnitude } from "../physics/magnitude";

/** Tails shorter than this (au) are not drawn: under a pixel at any zoom the viewer allows. */
export const TAIL_MIN_AU = 2e-4;

/**
 * Which comets get a tail this frame: shown (visible[k] = 1), H/K known, within TAIL_MAX_R_AU
 * of the Sun, no fainter than the limiting magnitude (seen from the Earth, or from the Sun
 * when the Earth is unknown), tail at least TAIL_MIN_AU. Writes their catalog indices to out
 * and returns how many.
 */
export function tailedComets(
  positions: ArrayLike<number>, visible: ArrayLike<number>, H: ArrayLike<number>, K: ArrayLike<number>,
  limit: number, earth: readonly [number, number, number] | null, out: Uint32Array,
): number {
  let n = 0;
  for (let k = 0; k < visible.length; k++) {
    if (visible[k] < 0.5) continue;
    const x = positions[3 * k], y = positions[3 * k + 1], z = positions[3 * k + 2];
    const r = Math.hypot(x, y, z);
    const act = activity(H[k], K[k], r);
    if (act <= 0 || tailLengthAu(act, r) < TAIL_MIN_AU) continue;
    const delta = earth ? Math.hypot(x - earth[0], y - earth[1], z - earth[2]) : r;
    if (totalMagnitude(H[k], K[k], delta, r) > limit) continue;
    out[n++] = k;
  }
  return n;
}

const SEGMENTS = 24;

const vertexShader = /* glsl */ `
  attribute float aU;
  attribute float aV;
  attribute vec3 iPos;
  attribute vec3 iPole;
  attribute float iLength;    // au (tailLengthAu)
  attribute float iActivity;  // activity()
  uniform float uKind;        // 0 ion, 1 dust
  varying float vU;
  varying float vV;
  varying float vI;
  const float LOG10 = 0.4342944819;
  void main() {
    vec3 away = normalize(iPos);
    vec3 trailing = normalize(cross(away, iPole) + 1e-9);
    float u = aU;
    vec3 axis, tangent;
    float width;
    if (uKind < 0.5) {
      axis = iPos + away * iLength * u;
      tangent = away;
      width = iLength * (0.015 + 0.05 * u);
    } else {
      float l = 0.7 * iLength;
      axis = iPos + l * (away * u + trailing * 0.45 * u * u);
      tangent = normalize(away + trailing * 0.9 * u);
      width = l * (0.03 + 0.16 * u);
    }
    vec3 view = normalize(cameraPosition - axis);
    vec3 across = normalize(cross(tangent, view) + 1e-9);
    vec3 p = axis + across * aV * width;
    gl_Position = projectionMatrix * modelViewMatrix * vec4(p, 1.0);
    vU = u;
    vV = aV;
    vI = clamp(0.15 + 0.3 * log(1.0 + iActivity) * LOG10, 0.0, 1.0) * (uKind < 0.5 ? 0.9 : 0.75);
  }
`;

const fragmentShader = /* glsl */ `
  uniform vec3 uColor;
  uniform float uOpacity;
  varying float vU;
  varying float vV;
  varying float vI;
  void main() {
    float along = pow(1.0 - vU, 1.6) * smoothstep(0.0, 0.04, vU + 0.02);
    float acrossFade = 1.0 - vV * vV;
    vec3 c = uColor * vI * along * acrossFade * uOpacity;
    // premultiplied light: the alpha is the light's own strength, so the orbit lines on the
    // canvas underneath show through the faint parts of a tail
    gl_FragColor = vec4(c, max(c.r, max(c.g, c.b)));
  }
`;

function ribbon(): { aU: Float32Array; aV: Float32Array; index: number[] } {
  const aU = new Float32Array(2 * (SEGMENTS + 1)), aV = new Float32Array(2 * (SEGMENTS + 1));
  const index: number[] = [];
  for (let s = 0; s <= SEGMENTS; s++) {
    aU[2 * s] = aU[2 * s + 1] = s / SEGMENTS;
    aV[2 * s] = -1; aV[2 * s + 1] = 1;
    if (s < SEGMENTS) index.push(2 * s, 2 * s + 1, 2 * s + 2, 2 * s + 1, 2 * s + 3, 2 * s + 2);
  }
  return { aU, aV, index };
}

export class TailLayer {
  readonly group = new THREE.Group();
  private readonly geometries: THREE.InstancedBufferGeometry[] = [];
  private readonly materials: THREE.ShaderMaterial[] = [];
  // Per-instance attributes, packed each frame with the tailed comets only.
  private readonly iPos: THREE.InstancedBufferAttribute;
  private readonly iPole: THREE.InstancedBufferAttribute;
  private readonly iLength: THREE.InstancedBufferAttribute;
  private readonly iActivity: THREE.InstancedBufferAttribute;
  private readonly chosen: Uint32Array;
  private readonly H: Float64Array;
  private readonly K: Float64Array;
  private limit = 30; // as the points' default (cometMaterial.ts)
  private earth: [number, number, number] | null = null;
  /** How many comets have a tail in the last frame drawn. */
  count = 0;

  /** H, K: NaN where unknown; pole: flat 3N unit orbit normals (ecliptic). */
  constructor(count: number, H: ArrayLike<number>, K: ArrayLike<number>, private readonly pole: Float32Array) {
    this.group.name = "tails";
    this.H = Float64Array.from(H);
    this.K = Float64Array.from(K);
    this.chosen = new Uint32Array(count);
    const dynamic = (size: number) =>
      new THREE.InstancedBufferAttribute(new Float32Array(size * count), size).setUsage(THREE.DynamicDrawUsage);
    this.iPos = dynamic(3); this.iPole = dynamic(3); this.iLength = dynamic(1); this.iActivity = dynamic(1);
    const { aU, aV, index } = ribbon();
    for (const [kind, color] of [[0, new THREE.Color(0.45, 0.72, 1.0)], [1, new THREE.Color(1.0, 0.88, 0.66)]] as const) {
      const geometry = new THREE.InstancedBufferGeometry();
      geometry.setAttribute("aU", new THREE.BufferAttribute(aU, 1));
      geometry.setAttribute("aV", new THREE.BufferAttribute(aV, 1));
      geometry.setAttribute("position", new THREE.BufferAttribute(new Float32Array(3 * aU.length), 3));
      geometry.setIndex(index);
      geometry.setAttribute("iPos", this.iPos);
      geometry.setAttribute("iPole", this.iPole);
      geometry.setAttribute("iLength", this.iLength);
      geometry.setAttribute("iActivity", this.iActivity);
      geometry.instanceCount = 0;
      this.geometries.push(geometry);
      const material = new THREE.ShaderMaterial({
        uniforms: { uKind: { value: kind }, uColor: { value: color }, uOpacity: { value: 1 } },
        vertexShader, fragmentShader, transparent: true, depthWrite: false,
        blending: THREE.CustomBlending, blendEquation: THREE.AddEquation, blendSrc: THREE.OneFactor, blendDst: THREE.OneFactor,
        blendSrcAlpha: THREE.OneFactor, blendDstAlpha: THREE.OneFactor,
        side: THREE.DoubleSide,
      });
      this.materials.push(material);
      const mesh = new THREE.Mesh(geometry, material);
      mesh.frustumCulled = false;
      mesh.name = kind === 0 ? "ion-tails" : "dust-tails";
      this.group.add(mesh);
    }
  }

  /** Positions (float32 3N, as drawn) and visibility (0/1 per comet) for this frame. */
  update(positions: Float32Array, visible: Float32Array): void {
    const n = tailedComets(positions, visible, this.H, this.K, this.limit, this.earth, this.chosen);
    const pos = this.iPos.array as Float32Array, pole = this.iPole.array as Float32Array;
    const length = this.iLength.array as Float32Array, act = this.iActivity.array as Float32Array;
    for (let j = 0; j < n; j++) {
      const k = this.chosen[j];
      for (let c = 0; c < 3; c++) {
        pos[3 * j + c] = positions[3 * k + c];
        pole[3 * j + c] = this.pole[3 * k + c];
      }
      const r = Math.hypot(positions[3 * k], positions[3 * k + 1], positions[3 * k + 2]);
      act[j] = activity(this.H[k], this.K[k], r);
      length[j] = tailLengthAu(act[j], r);
    }
    for (const attribute of [this.iPos, this.iPole, this.iLength, this.iActivity]) attribute.needsUpdate = true;
    for (const geometry of this.geometries) geometry.instanceCount = n;
    this.count = n;
  }

  setLimit(limit: number): void {
    this.limit = limit;
  }

  setEarth(earth: [number, number, number] | null): void {
    this.earth = earth ? [earth[0], earth[1], earth[2]] : null;
  }
}

/** Unit orbit normal (angular momentum direction) from inclination and node, ecliptic frame. */
export function orbitPole(iDeg: number, nodeDeg: number): [number, number, number] {
  const i = (iDeg * Math.PI) / 180, node = (nodeDeg * Math.PI) / 180;
  return [Math.sin(i) * Math.sin(node), -Math.sin(i) * Math.cos(node), Math.cos(i)];
}
