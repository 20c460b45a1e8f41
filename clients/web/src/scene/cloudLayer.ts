/**
 * The Monte Carlo cloud: clones of the selected comet's SBDB orbit as one THREE.Points object
 * in a preallocated buffer. The clones' offsets from SBDB's nominal orbit (at the time they
 * were computed) are drawn around the comet's drawn position, magnified by `magnification`,
 * so the cloud follows the comet while playing between two answers of the server.
 */
import * as THREE from "three";
import type { Xyz } from "../api/types";

export const MAX_CLONES = 2000;
export const CLOUD_COLOR = 0xff4fd8;

export class CloudLayer {
  readonly points: THREE.Points;
  private readonly positions = new Float32Array(3 * MAX_CLONES);
  private readonly attribute: THREE.BufferAttribute;
  private offsets = new Float64Array(0);
  private magnification = 1;
  private centre: Xyz | null = null;
  /** Bumped on every visible change, so the viewer knows to redraw. */
  version = 0;

  constructor() {
    const geometry = new THREE.BufferGeometry();
    this.attribute = new THREE.BufferAttribute(this.positions, 3);
    this.attribute.setUsage(THREE.DynamicDrawUsage);
    geometry.setAttribute("position", this.attribute);
    geometry.setDrawRange(0, 0);
    const material = new THREE.PointsMaterial({
      color: CLOUD_COLOR, size: 2.5, sizeAttenuation: false, transparent: true, opacity: 0.85, depthWrite: false,
    });
    this.points = new THREE.Points(geometry, material);
    this.points.name = "uncertainty-cloud";
    this.points.frustumCulled = false;
    this.points.renderOrder = 9;
    this.points.visible = false;
  }

  /** The clones to draw: offsets (au, 3 per clone) from the nominal, and the magnification. */
  setClones(offsets: Float64Array, magnification: number): void {
    this.offsets = offsets.slice(0, 3 * MAX_CLONES);
    this.magnification = magnification;
    this.points.geometry.setDrawRange(0, this.offsets.length / 3);
    this.fill();
  }

  get count(): number {
    return this.offsets.length / 3;
  }

  /** Show or hide the cloud (hidden while there are no clones or no position). */
  setVisible(on: boolean): void {
    const v = on && this.count > 0;
    if (v !== this.points.visible) {
      this.points.visible = v;
      this.version++;
    }
  }

  /** The comet's drawn position (au): the cloud's centre. */
  setCentre(p: Xyz | null): void {
    if (p && this.centre && p[0] === this.centre[0] && p[1] === this.centre[1] && p[2] === this.centre[2]) return;
    this.centre = p ? [p[0], p[1], p[2]] : null;
    this.fill();
  }

  /** Drawn positions of the clones (au), for the test hook. */
  drawn(): number[][] {
    return Array.from({ length: this.count }, (_, k) => [this.positions[3 * k], this.positions[3 * k + 1], this.positions[3 * k + 2]]);
  }

  private fill(): void {
    const c = this.centre, o = this.offsets, k = this.magnification;
    if (!c) return;
    for (let j = 0; j < o.length; j += 3) {
      this.positions[j] = c[0] + k * o[j];
      this.positions[j + 1] = c[1] + k * o[j + 1];
      this.positions[j + 2] = c[2] + k * o[j + 2];
    }
    this.attribute.needsUpdate = true;
    this.version++;
  }
}
