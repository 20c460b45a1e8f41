/**
 * Frame timing for the benchmark and the test hook: a fixed-size ring of recent frames, each
 * with its interval (requestAnimationFrame to requestAnimationFrame, ms) and the work the
 * viewer did in it (tick + render, ms of main-thread time). Pure and allocation-free per frame.
 */

export interface FrameSummary {
  /** Number of frames summarised. */
  frames: number;
  /** Median and 95th percentile of frame intervals (ms). */
  intervalMedianMs: number;
  intervalP95Ms: number;
  /** Frames per second from the mean interval. */
  fps: number;
  /** Median and 95th percentile of the viewer's work per frame (ms). */
  workMedianMs: number;
  workP95Ms: number;
}

/** The q-quantile (0..1) of values by linear interpolation between order statistics; NaN if empty. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = Math.min(1, Math.max(0, q)) * (n - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export class FrameStats {
  private readonly intervals: Float64Array;
  private readonly work: Float64Array;
  private next = 0;
  private filled = 0;
  private lastStart = Number.NaN;
  /** Frames recorded since construction (not reset), so a reader can tell how many are new. */
  total = 0;

  constructor(readonly capacity = 600) {
    this.intervals = new Float64Array(capacity);
    this.work = new Float64Array(capacity);
  }

  /**
   * Record one frame that started at startMs (the rAF timestamp) and whose work took workMs.
   * The first frame after reset() has no interval and only sets the reference.
   */
  record(startMs: number, workMs: number): void {
    if (Number.isFinite(this.lastStart)) {
      this.intervals[this.next] = startMs - this.lastStart;
      this.work[this.next] = workMs;
      this.next = (this.next + 1) % this.capacity;
      this.filled = Math.min(this.capacity, this.filled + 1);
      this.total++;
    }
    this.lastStart = startMs;
  }

  /** Forget all frames (e.g. when a measurement window starts). */
  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.lastStart = Number.NaN;
  }

  get count(): number {
    return this.filled;
  }

  /** Frame intervals in ms, oldest first. */
  intervalsMs(): number[] {
    return this.ordered(this.intervals);
  }

  /** Work per frame in ms, oldest first. */
  workMs(): number[] {
    return this.ordered(this.work);
  }

  summary(): FrameSummary {
    const iv = this.intervalsMs(), wk = this.workMs();
    const mean = iv.length ? iv.reduce((a, b) => a + b, 0) / iv.length : Number.NaN;
    return {
      frames: iv.length,
      intervalMedianMs: quantile(iv, 0.5),
      intervalP95Ms: quantile(iv, 0.95),
      fps: mean > 0 ? 1000 / mean : Number.NaN,
      workMedianMs: quantile(wk, 0.5),
      workP95Ms: quantile(wk, 0.95),
    };
  }

  private ordered(buf: Float64Array): number[] {
    const out: number[] = [];
    const start = this.filled < this.capacity ? 0 : this.next;
    for (let k = 0; k < this.filled; k++) out.push(buf[(start + k) % this.capacity]);
    return out;
  }
}
