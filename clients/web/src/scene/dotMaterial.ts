/**
 * A point sprite material for bodies drawn at a fixed size in pixels (comets, planets, the
 * Sun, the selection marker): round, soft-edged dots whose per-vertex `aVisible` (0 or 1)
 * hides filtered points without touching the position buffer.
 */
import * as THREE from "three";

const vertexShader = /* glsl */ `
  attribute vec3 color;
  attribute float aVisible;
  attribute float aSize;
  uniform float uSize;
  uniform float uPixelRatio;
  varying vec3 vColor;
  varying float vVisible;
  void main() {
    vColor = color;
    vVisible = aVisible;
    vec4 mv = modelViewMatrix * vec4(position, 1.0);
    gl_Position = projectionMatrix * mv;
    gl_PointSize = aVisible > 0.5 ? uSize * aSize * uPixelRatio : 0.0;
  }
`;

const fragmentShader = /* glsl */ `
  uniform float uOpacity;
  varying vec3 vColor;
  varying float vVisible;
  void main() {
    if (vVisible < 0.5) discard;
    vec2 c = gl_PointCoord - vec2(0.5);
    float d = length(c);
    if (d > 0.5) discard;
    float alpha = smoothstep(0.5, 0.3, d) * uOpacity;
    gl_FragColor = vec4(vColor, alpha);
  }
`;

export function createDotMaterial(sizePx: number, opacity = 1): THREE.ShaderMaterial {
  return new THREE.ShaderMaterial({
    uniforms: {
      uSize: { value: sizePx },
      uPixelRatio: { value: typeof window === "undefined" ? 1 : Math.min(window.devicePixelRatio || 1, 2) },
      uOpacity: { value: opacity },
    },
    vertexShader,
    fragmentShader,
    transparent: true,
    depthWrite: false,
  });
}

/** A geometry of n dots with position, color, aVisible and aSize attributes (preallocated). */
export function createDotGeometry(n: number): THREE.BufferGeometry {
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.BufferAttribute(new Float32Array(3 * n), 3).setUsage(THREE.DynamicDrawUsage));
  geometry.setAttribute("color", new THREE.BufferAttribute(new Float32Array(3 * n).fill(1), 3));
  geometry.setAttribute("aVisible", new THREE.BufferAttribute(new Float32Array(n).fill(1), 1).setUsage(THREE.DynamicDrawUsage));
  geometry.setAttribute("aSize", new THREE.BufferAttribute(new Float32Array(n).fill(1), 1));
  return geometry;
}
