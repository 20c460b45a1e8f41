/**
 * The planets at the positions the server's ephemeris gives (/api/planets), as dots with
 * labels and orbit lines. Positions blend the last two samples like the comets.
 */
import * as THREE from "three";
import { CSS2DObject } from "three/addons/renderers/CSS2DRenderer.js";
import type { Planet } from "../api/types";
import { lerpFrames } from "../math/interpolate";
import { createDotGeometry, createDotMaterial } from "./dotMaterial";

const PLANET_COLORS: Record<string, number> = {
  Mercury: 0xb1a89a, Venus: 0xe8cc8a, Earth: 0x5aa9ff, Mars: 0xe0704a, Jupiter: 0xd9b38c,
  Saturn: 0xe6d28f, Uranus: 0x9fe3e8, Neptune: 0x6d8cff, Pluto: 0xc9b8a6,
};
const PLANET_SIZES: Record<string, number> = { Jupiter: 1.6, Saturn: 1.45, Uranus: 1.2, Neptune: 1.2, Earth: 1.1, Venus: 1.1 };

export class PlanetLayer {
  readonly group = new THREE.Group();
  private names: string[] = [];
  private dots: THREE.Points | null = null;
  private labels: CSS2DObject[] = [];
  private readonly orbitGroup = new THREE.Group();
  private sampleA = new Float64Array(0);
  private sampleB = new Float64Array(0);
  private tA = Number.NaN;
  private tB = Number.NaN;
  private display = new Float64Array(0);

  constructor() {
    this.group.name = "planets";
    this.group.add(this.orbitGroup);
  }

  get loaded(): boolean {
    return this.dots !== null;
  }

  /** TDB Julian date of the newest planet positions received (NaN before any). */
  get sampleJd(): number {
    return this.tB;
  }

  /** Position of a planet as shown now (au), or null. */
  positionOf(name: string): [number, number, number] | null {
    const k = this.names.indexOf(name);
    if (k < 0) return null;
    return [this.display[3 * k], this.display[3 * k + 1], this.display[3 * k + 2]];
  }

  pushSample(timeJd: number, planets: Planet[], nowJd: number, exact: boolean): void {
    if (!this.dots || planets.length !== this.names.length) this.build(planets);
    const flat = new Float64Array(3 * planets.length);
    planets.forEach((p, k) => flat.set(p.position, 3 * k));
    if (exact || !Number.isFinite(this.tB)) {
      this.sampleA = flat; this.tA = timeJd;
    } else {
      this.sampleA = Float64Array.from(this.display); this.tA = nowJd;
    }
    this.sampleB = flat; this.tB = timeJd;
  }

  update(epochJd: number): void {
    if (!this.dots) return;
    lerpFrames(this.sampleA, this.tA, this.sampleB, this.tB, epochJd, this.display);
    const pos = this.dots.geometry.getAttribute("position") as THREE.BufferAttribute;
    for (let k = 0; k < this.names.length; k++) {
      const x = this.display[3 * k], y = this.display[3 * k + 1], z = this.display[3 * k + 2];
      pos.setXYZ(k, x, y, z);
      this.labels[k].position.set(x, y, z);
    }
    pos.needsUpdate = true;
  }

  /** The planets' label elements (for keeping the comet's label off them). */
  get labelElements(): HTMLElement[] {
    return this.labels.map((l) => l.element);
  }

  setLabelsVisible(visible: boolean): void {
    for (const l of this.labels) l.visible = visible && this.group.visible;
  }

  setOrbitsVisible(visible: boolean): void {
    this.orbitGroup.visible = visible;
  }

  private build(planets: Planet[]): void {
    if (this.dots) {
      this.group.remove(this.dots);
      for (const l of this.labels) this.group.remove(l);
      this.orbitGroup.clear();
    }
    this.names = planets.map((p) => p.name);
    this.display = new Float64Array(3 * planets.length);
    const geometry = createDotGeometry(planets.length);
    const colors = geometry.getAttribute("color") as THREE.BufferAttribute;
    const sizes = geometry.getAttribute("aSize") as THREE.BufferAttribute;
    this.labels = [];
    planets.forEach((p, k) => {
      const color = new THREE.Color(PLANET_COLORS[p.name] ?? 0xffffff);
      colors.setXYZ(k, color.r, color.g, color.b);
      sizes.setX(k, PLANET_SIZES[p.name] ?? 1);
      const div = document.createElement("div");
      div.className = "body-label planet-label";
      div.textContent = p.name;
      const label = new CSS2DObject(div);
      this.labels.push(label);
      this.group.add(label);
      const orbit = p.orbit.filter((v) => v.every(Number.isFinite)).map((v) => new THREE.Vector3(v[0], v[1], v[2]));
      if (orbit.length > 1) {
        const line = new THREE.LineLoop(
          new THREE.BufferGeometry().setFromPoints(orbit),
          new THREE.LineBasicMaterial({ color, transparent: true, opacity: 0.45, depthWrite: false }),
        );
        this.orbitGroup.add(line);
      }
    });
    this.dots = new THREE.Points(geometry, createDotMaterial(7));
    this.dots.frustumCulled = false;
    this.group.add(this.dots);
  }
}
