/**
 * The selected comet: its orbit highlighted (from /api/comets/{id}/orbit), a marker ring at
 * the position the follow stream gives (a ring, so the comet's own dot, coma and tails stay
 * visible inside it), and a label with its name.
 */
import * as THREE from "three";
import { CSS2DObject } from "three/addons/renderers/CSS2DRenderer.js";
import type { Xyz } from "../api/types";
import { createDotGeometry } from "./dotMaterial";

const RING_PX = 22;

/** A screen-space ring (point sprite) of RING_PX pixels, drawn on top of everything. */
function createRingMaterial(): THREE.ShaderMaterial {
  return new THREE.ShaderMaterial({
    uniforms: { uSize: { value: RING_PX * (typeof window === "undefined" ? 1 : Math.min(window.devicePixelRatio || 1, 2)) } },
    vertexShader: /* glsl */ `
      attribute vec3 color;
      uniform float uSize;
      varying vec3 vColor;
      void main() {
        vColor = color;
        gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
        gl_PointSize = uSize;
      }`,
    fragmentShader: /* glsl */ `
      varying vec3 vColor;
      void main() {
        float d = length(gl_PointCoord - vec2(0.5)) * 2.0;
        float ring = smoothstep(0.72, 0.8, d) * smoothstep(1.0, 0.9, d);
        if (ring < 0.02) discard;
        gl_FragColor = vec4(vColor, ring);
      }`,
    transparent: true,
    depthWrite: false,
    depthTest: false,
  });
}

export class SelectionLayer {
  readonly group = new THREE.Group();
  private orbit: THREE.Line | null = null;
  private readonly marker: THREE.Points;
  private readonly label: CSS2DObject;
  readonly labelDiv: HTMLDivElement;
  private labelsOn = true;
  /** Bumped on every visible change, so the viewer knows to redraw. */
  version = 0;

  constructor() {
    this.group.name = "selection";
    const geometry = createDotGeometry(1);
    (geometry.getAttribute("color") as THREE.BufferAttribute).copyArray([1.0, 0.62, 0.2]);
    this.marker = new THREE.Points(geometry, createRingMaterial());
    this.marker.renderOrder = 10;
    this.marker.frustumCulled = false;
    this.labelDiv = document.createElement("div");
    this.labelDiv.className = "body-label comet-label";
    this.label = new CSS2DObject(this.labelDiv);
    this.group.add(this.marker, this.label);
    this.group.visible = false;
  }

  show(name: string, orbit: Xyz[], closed: boolean): void {
    if (this.orbit) {
      this.group.remove(this.orbit);
      this.orbit.geometry.dispose();
    }
    const points = orbit.filter((v) => v && v.every(Number.isFinite)).map((v) => new THREE.Vector3(v[0], v[1], v[2]));
    const geometry = new THREE.BufferGeometry().setFromPoints(points);
    const material = new THREE.LineBasicMaterial({ color: 0xffa040, transparent: true, opacity: 0.9 });
    this.orbit = closed ? new THREE.LineLoop(geometry, material) : new THREE.Line(geometry, material);
    this.orbit.frustumCulled = false;
    this.group.add(this.orbit);
    this.labelDiv.textContent = name;
    this.group.visible = true;
    this.marker.visible = false;
    this.label.visible = false;
    this.version++;
  }

  hide(): void {
    this.group.visible = false;
    this.version++;
  }

  setLabelVisible(visible: boolean): void {
    this.labelsOn = visible;
    this.label.visible = visible && this.marker.visible;
    this.version++;
  }

  /** Move the marker and label (au); null hides them (no position yet, or a failed object). */
  setPosition(p: Xyz | null): void {
    const ok = p !== null && p.every(Number.isFinite);
    const pos = this.marker.geometry.getAttribute("position") as THREE.BufferAttribute;
    const same = ok === this.marker.visible && (!ok || !p || (pos.getX(0) === Math.fround(p[0]) && pos.getY(0) === Math.fround(p[1]) && pos.getZ(0) === Math.fround(p[2])));
    if (same) return;
    this.version++;
    this.marker.visible = ok;
    this.label.visible = ok && this.labelsOn;
    if (!ok || !p) return;
    pos.setXYZ(0, p[0], p[1], p[2]);
    pos.needsUpdate = true;
    this.label.position.set(p[0], p[1], p[2]);
  }
}
