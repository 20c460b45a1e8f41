/**
 * The 3D stage: renderer, camera, orbit controls, label renderer, the Sun, an ecliptic grid
 * with distance rings, and a faint star backdrop. Units are au; the ecliptic is the x-y
 * plane with +z towards the north ecliptic pole (heliocentric ecliptic J2000, as the server).
 *
 * Two scenes on two stacked canvases: `staticScene` (the catalog's ~150,000 orbit-line
 * vertices, on an opaque canvas underneath) is redrawn only when the camera or its content
 * changes; `scene` (Sun, planets, comets, labels' anchors, on a transparent canvas on top) is
 * redrawn every frame while the clock runs. The browser composites the two, so playing costs
 * the moving points, not every orbit line again. (An offscreen render target drawn as the
 * background costs a full-screen textured pass per frame, which on a software rasterizer is
 * most of the frame; compositing two layers is far cheaper.)
 */
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { CSS2DObject, CSS2DRenderer } from "three/addons/renderers/CSS2DRenderer.js";
import { createDotGeometry, createDotMaterial } from "./dotMaterial";

const RING_RADII_AU = [1, 2, 3, 5, 10, 20, 30, 50];
const LABELLED_RINGS_AU = [1, 5, 10, 30, 50];
export const DEFAULT_CAMERA = [0, -9, 6, 0, 0, 0];

export class SceneView {
  readonly scene = new THREE.Scene();
  /** Objects that only change with the camera or settings (see the module note). */
  readonly staticScene = new THREE.Scene();
  readonly staticRenderer: THREE.WebGLRenderer;
  private staticDirty = true;
  private staticKey = "";
  readonly camera: THREE.PerspectiveCamera;
  readonly renderer: THREE.WebGLRenderer;
  readonly labels: CSS2DRenderer;
  readonly controls: OrbitControls;
  private readonly gridLabels: CSS2DObject[] = [];

  private dirty = true;
  /** True when WebGL runs on a CPU rasterizer (SwiftShader, llvmpipe): no MSAA, pixel ratio 1. */
  readonly software: boolean;

  constructor(private readonly host: HTMLElement) {
    this.software = isSoftwareRenderer();
    const pixelRatio = this.software ? 1 : Math.min(window.devicePixelRatio || 1, 2);
    this.staticRenderer = new THREE.WebGLRenderer({ antialias: !this.software, powerPreference: "high-performance" });
    this.staticRenderer.setPixelRatio(pixelRatio);
    this.staticRenderer.setClearColor(0x05070d, 1);
    this.staticRenderer.domElement.className = "static-layer";
    this.staticRenderer.domElement.setAttribute("aria-hidden", "true");
    host.appendChild(this.staticRenderer.domElement);
    // The top canvas is transparent where nothing is drawn, so the orbit lines show through.
    this.renderer = new THREE.WebGLRenderer({ antialias: !this.software, alpha: true, powerPreference: "high-performance" });
    this.renderer.setPixelRatio(pixelRatio);
    this.renderer.setClearColor(0x000000, 0);
    const canvas = this.renderer.domElement;
    canvas.dataset.testid = "scene-canvas";
    canvas.setAttribute("aria-label", "3D view of the solar system and the comet catalog");
    host.appendChild(canvas);

    this.labels = new CSS2DRenderer();
    this.labels.domElement.className = "label-layer";
    host.appendChild(this.labels.domElement);

    this.camera = new THREE.PerspectiveCamera(50, 1, 0.001, 20000);
    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.12;
    this.controls.minDistance = 0.02;
    this.controls.maxDistance = 3000;
    this.controls.addEventListener("change", () => (this.dirty = this.staticDirty = true));
    this.setCamera(DEFAULT_CAMERA);

    this.scene.add(this.buildGrid(), this.buildSun(), this.buildStars());
    this.resize();
    new ResizeObserver(() => this.resize()).observe(host);
  }

  /** [px, py, pz, tx, ty, tz] in au. */
  getCamera(): number[] {
    const p = this.camera.position, t = this.controls.target;
    return [p.x, p.y, p.z, t.x, t.y, t.z];
  }

  setCamera(v: number[]): void {
    this.camera.position.set(v[0], v[1], v[2]);
    this.controls.target.set(v[3], v[4], v[5]);
    this.controls.update();
    this.dirty = this.staticDirty = true;
  }

  /** Shift camera and target together (keeps the view while following a moving body). */
  translate(dx: number, dy: number, dz: number): void {
    this.camera.position.x += dx; this.camera.position.y += dy; this.camera.position.z += dz;
    this.controls.target.x += dx; this.controls.target.y += dy; this.controls.target.z += dz;
    this.dirty = this.staticDirty = true;
  }

  setGridLabelsVisible(visible: boolean): void {
    for (const l of this.gridLabels) l.visible = visible;
    this.dirty = true;
  }

  /** Client (CSS pixel) coordinates of a point in au, or null when behind the camera. */
  toClient(x: number, y: number, z: number): [number, number] | null {
    const v = new THREE.Vector3(x, y, z).project(this.camera);
    if (v.z > 1 || v.z < -1) return null;
    const rect = this.renderer.domElement.getBoundingClientRect();
    return [rect.left + ((v.x + 1) / 2) * rect.width, rect.top + ((1 - v.y) / 2) * rect.height];
  }

  /** A raycaster through client coordinates, with the Points threshold set to ~`pixels` on screen. */
  raycasterAt(clientX: number, clientY: number, pixels: number): THREE.Raycaster {
    const rect = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
    const raycaster = new THREE.Raycaster();
    raycaster.setFromCamera(ndc, this.camera);
    // World size of `pixels` at the orbit target's distance: the threshold is a distance in au.
    const distance = this.camera.position.distanceTo(this.controls.target);
    const worldPerPixel = (2 * distance * Math.tan(THREE.MathUtils.degToRad(this.camera.fov / 2))) / rect.height;
    raycaster.params.Points = { threshold: pixels * worldPerPixel };
    return raycaster;
  }

  resize(): void {
    const w = Math.max(1, this.host.clientWidth), h = Math.max(1, this.host.clientHeight);
    for (const r of [this.staticRenderer, this.renderer]) {
      r.setSize(w, h, false);
      r.domElement.style.width = `${w}px`;
      r.domElement.style.height = `${h}px`;
    }
    this.labels.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = this.staticDirty = true;
  }

  /**
   * Say what the static scene shows (e.g. "orbit data version : visible"): a different key
   * redraws it. Cheaper and safer than diffing its geometry.
   */
  setStaticKey(key: string): void {
    if (key === this.staticKey) return;
    this.staticKey = key;
    this.dirty = this.staticDirty = true;
  }

  /** Ask for a redraw on the next frame (data, settings or time changed). */
  invalidate(): void {
    this.dirty = true;
  }

  /**
   * Draw if anything changed since the last frame. Rendering on demand keeps an idle viewer
   * from burning a CPU core (or a software rasterizer) redrawing the same picture.
   * Returns whether it drew.
   */
  render(): boolean {
    this.controls.update(); // damping: fires "change" while the camera still glides
    if (!this.dirty) return false;
    this.dirty = false;
    if (this.staticDirty) {
      this.staticDirty = false;
      this.staticRenderer.render(this.staticScene, this.camera);
    }
    this.renderer.render(this.scene, this.camera);
    this.labels.render(this.scene, this.camera);
    return true;
  }

  private buildGrid(): THREE.Object3D {
    const group = new THREE.Group();
    group.name = "ecliptic-grid";
    const verts: number[] = [];
    for (const r of RING_RADII_AU) {
      const n = 256;
      for (let k = 0; k < n; k++) {
        const a0 = (2 * Math.PI * k) / n, a1 = (2 * Math.PI * (k + 1)) / n;
        verts.push(r * Math.cos(a0), r * Math.sin(a0), 0, r * Math.cos(a1), r * Math.sin(a1), 0);
      }
    }
    const rMax = RING_RADII_AU[RING_RADII_AU.length - 1];
    for (let k = 0; k < 12; k++) {
      const a = (2 * Math.PI * k) / 12;
      verts.push(0.5 * Math.cos(a), 0.5 * Math.sin(a), 0, rMax * Math.cos(a), rMax * Math.sin(a), 0);
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.Float32BufferAttribute(verts, 3));
    const lines = new THREE.LineSegments(
      geometry,
      new THREE.LineBasicMaterial({ color: 0x2a3a55, transparent: true, opacity: 0.45, depthWrite: false }),
    );
    group.add(lines);
    // The vernal equinox direction (+x), where ecliptic longitude starts.
    const axis = new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(0, 0, 0), new THREE.Vector3(rMax, 0, 0)]);
    group.add(new THREE.Line(axis, new THREE.LineBasicMaterial({ color: 0x3d5a80, transparent: true, opacity: 0.7 })));
    for (const r of LABELLED_RINGS_AU) {
      const div = document.createElement("div");
      div.className = "grid-label";
      div.textContent = `${r} au`;
      const label = new CSS2DObject(div);
      label.position.set(r * Math.cos(-Math.PI / 4), r * Math.sin(-Math.PI / 4), 0);
      this.gridLabels.push(label);
      group.add(label);
    }
    const eq = document.createElement("div");
    eq.className = "grid-label";
    eq.textContent = "\u2648 equinox";
    const eqLabel = new CSS2DObject(eq);
    eqLabel.position.set(rMax * 0.6, 0, 0);
    this.gridLabels.push(eqLabel);
    group.add(eqLabel);
    return group;
  }

  private buildSun(): THREE.Object3D {
    const geometry = createDotGeometry(1);
    (geometry.getAttribute("color") as THREE.BufferAttribute).copyArray([1.0, 0.85, 0.4]);
    const sun = new THREE.Points(geometry, createDotMaterial(16));
    sun.name = "sun";
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 128;
    const ctx = canvas.getContext("2d");
    if (ctx) {
      const g = ctx.createRadialGradient(64, 64, 0, 64, 64, 64);
      g.addColorStop(0, "rgba(255,220,140,0.9)");
      g.addColorStop(0.25, "rgba(255,180,80,0.35)");
      g.addColorStop(1, "rgba(255,160,60,0)");
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, 128, 128);
    }
    const glow = new THREE.Sprite(
      new THREE.SpriteMaterial({ map: new THREE.CanvasTexture(canvas), sizeAttenuation: false, depthWrite: false, transparent: true }),
    );
    glow.scale.set(0.09, 0.09, 1);
    const group = new THREE.Group();
    group.add(glow, sun);
    const div = document.createElement("div");
    div.className = "body-label sun-label";
    div.textContent = "Sun";
    const label = new CSS2DObject(div);
    this.gridLabels.push(label);
    group.add(label);
    return group;
  }

  private buildStars(): THREE.Object3D {
    // Decorative backdrop: fixed pseudo-random directions far outside the solar system.
    const n = 1500;
    const geometry = createDotGeometry(n);
    const pos = geometry.getAttribute("position") as THREE.BufferAttribute;
    const col = geometry.getAttribute("color") as THREE.BufferAttribute;
    const size = geometry.getAttribute("aSize") as THREE.BufferAttribute;
    let seed = 12345;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let k = 0; k < n; k++) {
      const z = 2 * rand() - 1, phi = 2 * Math.PI * rand(), s = Math.sqrt(1 - z * z);
      pos.setXYZ(k, 8000 * s * Math.cos(phi), 8000 * s * Math.sin(phi), 8000 * z);
      const b = 0.35 + 0.5 * rand();
      col.setXYZ(k, b, b, b * (0.9 + 0.2 * rand()));
      size.setX(k, 0.6 + rand() * 0.8);
    }
    const stars = new THREE.Points(geometry, createDotMaterial(2, 0.8));
    stars.name = "stars";
    stars.frustumCulled = false;
    return stars;
  }
}

/** Whether the browser's WebGL is a CPU rasterizer (probed once on a throwaway canvas). */
function isSoftwareRenderer(): boolean {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return /swiftshader|llvmpipe|software/i.test(name);
  } catch {
    return false;
  }
}
