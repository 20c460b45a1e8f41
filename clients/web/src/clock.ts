/**
 * The viewer's simulation clock: a TDB Julian date that advances at `rate` days per wall
 * second while playing. Wall time is passed in (milliseconds), so the clock is a pure state
 * machine that tests can drive.
 */
import { DAYS_PER_JULIAN_YEAR } from "./time/julian";

/** The clock stays within +/- this many years of the page's "now" (the scrubber's range). */
export const SPAN_YEARS = 200;

export class Clock {
  private epoch0: number;
  private wall0: number;
  private _rate: number;
  private _playing = false;
  readonly minJd: number;
  readonly maxJd: number;

  constructor(epochJd: number, nowJd: number, wallMs: number, rateDaysPerSecond = 1) {
    this.minJd = nowJd - SPAN_YEARS * DAYS_PER_JULIAN_YEAR;
    this.maxJd = nowJd + SPAN_YEARS * DAYS_PER_JULIAN_YEAR;
    this.epoch0 = this.clamp(epochJd);
    this.wall0 = wallMs;
    this._rate = Math.abs(rateDaysPerSecond) || 1;
  }

  private clamp(jd: number): number {
    return Math.min(this.maxJd, Math.max(this.minJd, jd));
  }

  /** Epoch (TDB JD) at a wall time; stops (pauses) at the ends of the span. */
  epochAt(wallMs: number): number {
    if (!this._playing) return this.epoch0;
    const jd = this.epoch0 + (this.signedRate * (wallMs - this.wall0)) / 1000;
    const clamped = this.clamp(jd);
    if (clamped !== jd) {
      this.epoch0 = clamped;
      this.wall0 = wallMs;
      this._playing = false;
    }
    return clamped;
  }

  /** Rate magnitude in days per second (always positive). */
  get rate(): number {
    return this._rate;
  }

  private direction = 1;

  /** +1 forward, -1 reverse. */
  get dir(): number {
    return this.direction;
  }

  get playing(): boolean {
    return this._playing;
  }

  /** Days per wall second including direction; 0 while paused. */
  get signedRate(): number {
    return this._playing ? this.direction * this._rate : 0;
  }

  private rebase(wallMs: number): void {
    this.epoch0 = this.epochAt(wallMs);
    this.wall0 = wallMs;
  }

  setEpoch(jd: number, wallMs: number): void {
    this.epoch0 = this.clamp(jd);
    this.wall0 = wallMs;
  }

  setRate(daysPerSecond: number, wallMs: number): void {
    if (!(daysPerSecond > 0)) throw new Error(`rate: must be a positive number of days per second, got ${daysPerSecond}`);
    this.rebase(wallMs);
    this._rate = daysPerSecond;
  }

  play(direction: 1 | -1, wallMs: number): void {
    this.rebase(wallMs);
    this.direction = direction;
    this._playing = true;
  }

  pause(wallMs: number): void {
    this.rebase(wallMs);
    this._playing = false;
  }
}
