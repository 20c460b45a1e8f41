/**
 * Comet tails on the GPU: two instanced ribbons per catalog comet (one draw call each), built
 * in the vertex shader from the comet's position, the orbit's pole and its H/K:
 * - the ion tail, straight away from the Sun (blue);
 * - the dust tail, in the orbit plane, curving back from the anti-Sun line towards the
 *   trailing side (-(pole x r) is against the motion), wider and shorter (warm white).
 * Length and brightness follow activity() and tailLengthAu() of physics/magnitude.ts (the
 * shader repeats those formulas); comets beyond TAIL_MAX_R_AU, without H/K, filtered out or
 * fainter than the limiting magnitude collapse to nothing in the vertex shader, so the cost
 * is ~50 vertices per comet and fill only where tails are drawn. Blending is additive, with
 * premultiplied output so the transparent upper canvas composites over the orbit lines.
 */
import * as THREE from "three";
import { TAIL_ACTIVITY_SCALE, TAIL_MAX_AU, TAIL_MAX_R_AU } from "../physics/magnitude";

const SEGMENTS = 24;

const vertexShader = /* glsl */ `
  attribute float aU;
  attribute float aV;
  attribute vec3 iPos;
  attribute vec3 iPole;
  attribute float iH;
  attribute float iK;
  attribute float iVisible;
  uniform float uKind;      // 0 ion, 1 dust
  uniform float uLimit;
  uniform vec3 uEarth;
  uniform float uHasEarth;
  varying float vU;
  varying float vV;
  varying float vI;
  const float LOG10 = 0.4342944819;
  void main() {
    float r = length(iPos);
    float delta = uHasEarth > 0.5 ? length(iPos - uEarth) : r;
    float mh = iH + 2.5 * iK * LOG10 * log(max(r, 1e-6));
    float m = mh + 5.0 * LOG10 * log(max(delta, 1e-6));
    float act = pow(10.0, -0.4 * (mh - 10.0));
    float len = min(${TAIL_MAX_AU.toFixed(3)} * (1.0 - exp(-act / ${TAIL_ACTIVITY_SCALE.toFixed(1)})), 2.5 * r);
    if (iVisible < 0.5 || iH < -90.0 || r > ${TAIL_MAX_R_AU.toFixed(1)} || r < 1e-6 || m > uLimit || len < 2e-4) {
      gl_Position = vec4(2.0, 2.0, 2.0, 1.0);   // outside the clip volume: nothing drawn
      vI = 0.0;
      return;
    }
    vec3 away = iPos / r;
    vec3 trailing = normalize(cross(away, iPole) + 1e-9);
    float u = aU;
    vec3 axis, tangent;
    float width;
    if (uKind < 0.5) {
      axis = iPos + away * len * u;
      tangent = away;
      width = len * (0.015 + 0.05 * u);
    } else {
      float l = 0.7 * len;
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
    vI = clamp(0.15 + 0.3 * log(1.0 + act) * LOG10, 0.0, 1.0) * (uKind < 0.5 ? 0.9 : 0.75);
  }
`;

const fragmentShader = /* glsl */ `
  uniform vec3 uColor;
  uniform float uOpacity;
  varying float vU;
  varying float vV;
  varying float vI;
  void main() {
    if (vI <= 0.0) discard;
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
  private readonly pos: THREE.InstancedBufferAttribute;
  private readonly visible: THREE.InstancedBufferAttribute;
  private readonly materials: THREE.ShaderMaterial[] = [];

  /** H, K: NaN where unknown; pole: flat 3N unit orbit normals (ecliptic). */
  constructor(count: number, H: ArrayLike<number>, K: ArrayLike<number>, pole: Float32Array) {
    this.group.name = "tails";
    const { aU, aV, index } = ribbon();
    this.pos = new THREE.InstancedBufferAttribute(new Float32Array(3 * count), 3).setUsage(THREE.DynamicDrawUsage);
    this.visible = new THREE.InstancedBufferAttribute(new Float32Array(count), 1).setUsage(THREE.DynamicDrawUsage);
    const h = new Float32Array(count), k = new Float32Array(count);
    for (let j = 0; j < count; j++) {
      const known = Number.isFinite(H[j]) && Number.isFinite(K[j]);
      h[j] = known ? H[j] : -99;
      k[j] = known ? K[j] : 0;
    }
    const poles = new THREE.InstancedBufferAttribute(pole, 3);
    const hAttr = new THREE.InstancedBufferAttribute(h, 1), kAttr = new THREE.InstancedBufferAttribute(k, 1);
    for (const [kind, color] of [[0, new THREE.Color(0.45, 0.72, 1.0)], [1, new THREE.Color(1.0, 0.88, 0.66)]] as const) {
      const geometry = new THREE.InstancedBufferGeometry();
      geometry.setAttribute("aU", new THREE.BufferAttribute(aU, 1));
      geometry.setAttribute("aV", new THREE.BufferAttribute(aV, 1));
      geometry.setAttribute("position", new THREE.BufferAttribute(new Float32Array(3 * aU.length), 3));
      geometry.setIndex(index);
      geometry.setAttribute("iPos", this.pos);
      geometry.setAttribute("iPole", poles);
      geometry.setAttribute("iH", hAttr);
      geometry.setAttribute("iK", kAttr);
      geometry.setAttribute("iVisible", this.visible);
      geometry.instanceCount = count;
      const material = new THREE.ShaderMaterial({
        uniforms: {
          uKind: { value: kind }, uColor: { value: color }, uOpacity: { value: 1 }, uLimit: { value: 30 },
          uEarth: { value: new THREE.Vector3(1, 0, 0) }, uHasEarth: { value: 0 },
        },
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
    (this.pos.array as Float32Array).set(positions);
    (this.visible.array as Float32Array).set(visible);
    this.pos.needsUpdate = true;
    this.visible.needsUpdate = true;
  }

  setLimit(limit: number): void {
    for (const m of this.materials) m.uniforms.uLimit.value = limit;
  }

  setEarth(earth: [number, number, number] | null): void {
    for (const m of this.materials) {
      if (earth) (m.uniforms.uEarth.value as THREE.Vector3).set(earth[0], earth[1], earth[2]);
      m.uniforms.uHasEarth.value = earth ? 1 : 0;
    }
  }
}

/** Unit orbit normal (angular momentum direction) from inclination and node, ecliptic frame. */
export function orbitPole(iDeg: number, nodeDeg: number): [number, number, number] {
  const i = (iDeg * Math.PI) / 180, node = (nodeDeg * Math.PI) / 180;
  return [Math.sin(i) * Math.sin(node), -Math.sin(i) * Math.cos(node), Math.cos(i)];
}
