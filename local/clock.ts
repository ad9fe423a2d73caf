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

/** Something to do when a clock reaches a time: a simulator's callback, sent on the clock of the run it belongs to. */
export type ClockTask = () => unknown;

/**
 * Virtual time: starts at a fixed instant and moves only when advanced (the local runner advances it by each Wait's
 * seconds). Tasks scheduled on it run as it passes their time, each seeing the clock at its own time.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers: Array<{ at: number; seq: number; task: ClockTask }> = [];
  private readonly running = new Set<Promise<unknown>>();
  private seq = 0;

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
    const target = this.current + ms;
    for (let timer = this.timers[0]; timer !== undefined && timer.at <= target; timer = this.timers[0]) {
      this.timers.shift();
      this.current = Math.max(this.current, timer.at);
      this.start(timer.task);
    }
    this.current = target;
  }

  /** Runs `task` when the clock reaches `atMs` (at once, on the next advance, if that time has passed). */
  schedule(atMs: number, task: ClockTask): void {
    const timer = { at: atMs, seq: this.seq++, task };
    const index = this.timers.findIndex((t) => t.at > atMs);
    this.timers.splice(index === -1 ? this.timers.length : index, 0, timer);
  }

  /** When the next scheduled task is due, if any. */
  nextTaskAt(): number | undefined {
    return this.timers[0]?.at;
  }

  /** Resolves once every task started so far has finished (their failures are theirs to report). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Called at once, so the task reads the clock at its own time; what it goes on doing is awaited by settle(). */
  private start(task: ClockTask): void {
    let result: unknown;
    try {
      result = task();
    } catch (error) {
      result = Promise.reject(error);
    }
    const promise: Promise<unknown> = Promise.resolve(result)
      .catch(() => undefined)
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }
}

/** Runs `task` when `clock` reaches `atMs`: on a VirtualClock as it is advanced, on the system clock after real time. */
export function scheduleOn(clock: Clock, atMs: number, task: ClockTask): { cancel(): void } {
  if (clock instanceof VirtualClock) {
    clock.schedule(atMs, task);
    return { cancel: () => undefined };
  }
  const timer = setTimeout(() => void Promise.resolve().then(task).catch(() => undefined), Math.max(0, atMs - clock.now()));
  timer.unref?.();
  return { cancel: () => clearTimeout(timer) };
}
