/**
 * The catalog's points, drawn from each comet's predicted total magnitude on the GPU:
 * the vertex shader computes r, delta (to uEarth) and m = H + 5 log10(delta) + 2.5 K log10(r)
 * (physics/magnitude.ts, catalogMagnitudes), hides comets fainter than the limiting magnitude,
 * and sizes and brightens the rest by m; active comets near the Sun get a soft coma glow
 * (activity() of physics/magnitude.ts). One draw call; nothing is computed per comet on the CPU.
 */
import * as THREE from "three";
import { UNKNOWN_MAGNITUDE } from "../physics/magnitude";

const vertexShader = /* glsl */ `
  attribute vec3 color;
  attribute float aVisible;
  attribute float aH;
  attribute float aK;
  uniform float uSize;
  uniform float uPixelRatio;
  uniform float uLimit;
  uniform vec3 uEarth;
  uniform float uHasEarth;
  varying vec3 vColor;
  varying float vAlpha;
  varying float vComa;
  const float LOG10 = 0.4342944819;
  void main() {
    vec4 mv = modelViewMatrix * vec4(position, 1.0);
    gl_Position = projectionMatrix * mv;
    float r = max(length(position), 1e-6);
    float delta = uHasEarth > 0.5 ? max(length(position - uEarth), 1e-6) : r;
    bool known = aH > -90.0;
    float m = known ? aH + 5.0 * LOG10 * log(delta) + 2.5 * aK * LOG10 * log(r) : ${UNKNOWN_MAGNITUDE.toFixed(1)};
    float act = known && r < 5.0 ? pow(10.0, -0.4 * (aH + 2.5 * aK * LOG10 * log(r) - 10.0)) : 0.0;
    if (aVisible < 0.5 || m > uLimit) {
      gl_PointSize = 0.0;
      vAlpha = 0.0;
      vComa = 0.0;
      return;
    }
    // brighter than 14th magnitude grows (up to ~4x at magnitude 2); fainter fades to the limit
    float grow = clamp(1.0 + (14.0 - m) * 0.25, 0.8, 4.0);
    vComa = clamp(log(1.0 + act) * LOG10 / 3.0, 0.0, 1.0);
    gl_PointSize = uSize * uPixelRatio * (grow + 6.0 * vComa);
    vAlpha = clamp(1.0 - max(m - 14.0, 0.0) / max(uLimit - 12.0, 1.0) * 0.6, 0.35, 1.0);
    vColor = mix(color, vec3(0.85, 1.0, 0.95), vComa * 0.6);
  }
`;

const fragmentShader = /* glsl */ `
  uniform float uOpacity;
  varying vec3 vColor;
  varying float vAlpha;
  varying float vComa;
  void main() {
    if (vAlpha <= 0.0) discard;
    float d = length(gl_PointCoord - vec2(0.5)) * 2.0;
    if (d > 1.0) discard;
    // a hard core (the nucleus' dot) inside a gaussian coma whose share grows with activity
    float core = smoothstep(1.0, 0.6, d / max(1.0 - vComa * 0.8, 0.2));
    float coma = exp(-d * d * 5.0) * vComa;
    float a = max(core, coma) * vAlpha * uOpacity;
    gl_FragColor = vec4(vColor, a);
  }
`;

export function createCometMaterial(sizePx: number, opacity = 0.95): THREE.ShaderMaterial {
  return new THREE.ShaderMaterial({
    uniforms: {
      uSize: { value: sizePx },
      uPixelRatio: { value: typeof window === "undefined" ? 1 : Math.min(window.devicePixelRatio || 1, 2) },
      uOpacity: { value: opacity },
      uLimit: { value: 30 },
      uEarth: { value: new THREE.Vector3(1, 0, 0) },
      uHasEarth: { value: 0 },
    },
    vertexShader,
    fragmentShader,
    transparent: true,
    depthWrite: false,
  });
}
