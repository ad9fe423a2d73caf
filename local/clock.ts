/**
 * Time sources for the local runner and the API simulator.
 *
 * The simulator never reads `Date.now()` directly: a run on a virtual clock can then poll a job that
 * "takes" minutes in a few milliseconds of real time, and each concurrent run can keep its own time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** 2025-01-01T00:00:00Z: a fixed start so timestamps in virtual runs are reproducible. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2025, 0, 1);

/** Virtual time: starts at a fixed instant and moves only when advanced (the local runner advances it by each Wait's seconds). */
export class VirtualClock implements Clock {
  private current: number;

  constructor(startMs: number = VIRTUAL_EPOCH_MS) {
    if (!Number.isFinite(startMs)) throw new RangeError(`VirtualClock: startMs must be a finite number of milliseconds, got ${startMs}`);
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    // Time that goes backwards would let a finished job become unfinished again.
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`VirtualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    this.current += ms;
  }
}
