/**
 * Keeps one request in flight for a time-dependent resource (catalog positions, planets).
 * Paused: fetch once at exactly the epoch shown. Playing: fetch a little ahead of the clock
 * (lookahead seconds of wall time), so the display can blend towards the next sample.
 */
export interface SampleResult<T> {
  timeJd: number;
  value: T;
  /** True when fetched for a paused clock (the sample is exact for the shown epoch). */
  exact: boolean;
}

export class Sampler<T> {
  private inFlight = false;
  private lastJd = Number.NaN;
  private lastWasExact = false;
  private retryAfterMs = 0;
  private generation = 0;

  constructor(
    private readonly fetcher: (timeJd: number) => Promise<T>,
    private readonly onResult: (r: SampleResult<T>) => void,
    private readonly onError: (err: unknown) => void,
    private readonly lookaheadS = 0.4,
    private readonly minIntervalMs = 120,
  ) {}

  private lastStartMs = -Infinity;

  /** Forget the last sample (after a seek): the next tick fetches again. */
  invalidate(): void {
    this.lastJd = Number.NaN;
    this.generation++;
    this.inFlight = false;
  }

  tick(epochJd: number, signedRate: number, wallMs: number): void {
    if (this.inFlight || wallMs < this.retryAfterMs || wallMs - this.lastStartMs < this.minIntervalMs) return;
    const playing = signedRate !== 0;
    if (!playing && this.lastWasExact && this.lastJd === epochJd) return;
    const target = playing ? epochJd + signedRate * this.lookaheadS : epochJd;
    this.inFlight = true;
    this.lastStartMs = wallMs;
    const generation = this.generation;
    this.fetcher(target).then(
      (value) => {
        if (generation !== this.generation) return;
        this.inFlight = false;
        this.lastJd = target;
        this.lastWasExact = !playing;
        this.onResult({ timeJd: target, value, exact: !playing });
      },
      (err) => {
        if (generation !== this.generation) return;
        this.inFlight = false;
        this.retryAfterMs = performance.now() + 2000;
        this.onError(err);
      },
    );
  }
}
