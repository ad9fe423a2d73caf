/**
 * Scheduled outages for the API simulator: stretches of time (on the clock of the run making the request)
 * during which every request is answered 503 or has its connection reset, before it has any effect, while
 * submitted jobs keep progressing underneath. Next to the random faults, which hit single requests.
 */

export interface OutageWindow {
  /** Epoch ms on the request's clock: the outage covers [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** `unavailable`: 503 (with Retry-After when given); `connectionReset`: the socket is destroyed. @default 'unavailable' */
  answer?: 'unavailable' | 'connectionReset';
  retryAfterSeconds?: number;
}

/** An outage of `durationSeconds` starting `afterSeconds` after `originMs` (a run's virtual epoch, or now). */
export function outageWindow(
  originMs: number,
  afterSeconds: number,
  durationSeconds: number,
  answer: OutageWindow['answer'] = 'unavailable',
): OutageWindow {
  return { startMs: originMs + afterSeconds * 1000, endMs: originMs + (afterSeconds + durationSeconds) * 1000, answer };
}

export function validateOutages(windows: readonly OutageWindow[]): void {
  windows.forEach((window, index) => {
    const where = `outages[${index}]`;
    if (!Number.isFinite(window.startMs) || !Number.isFinite(window.endMs) || window.endMs <= window.startMs) {
      throw new RangeError(`CivitaiSimulator: ${where} must have finite startMs < endMs (epoch ms), got ${window.startMs}..${window.endMs}`);
    }
    if (window.answer !== undefined && window.answer !== 'unavailable' && window.answer !== 'connectionReset') {
      throw new RangeError(`CivitaiSimulator: ${where}.answer must be unavailable or connectionReset, got ${JSON.stringify(window.answer)}`);
    }
    if (window.retryAfterSeconds !== undefined && !(Number.isInteger(window.retryAfterSeconds) && window.retryAfterSeconds >= 0)) {
      throw new RangeError(`CivitaiSimulator: ${where}.retryAfterSeconds must be a whole number of seconds >= 0, got ${window.retryAfterSeconds}`);
    }
  });
}

/** The outage in force at `nowMs`, if any. */
export function outageAt(windows: readonly OutageWindow[], nowMs: number): OutageWindow | undefined {
  return windows.find((window) => nowMs >= window.startMs && nowMs < window.endMs);
}

/**
 * `--outage 60+1800` (starts 60 s from origin, lasts 1800 s) or `--outage 60+1800:reset`, for the CLI.
 */
export function parseOutageFlag(text: string, originMs: number): OutageWindow {
  const match = /^(\d+)\+(\d+)(?::(503|reset))?$/.exec(text.trim());
  if (!match) throw new RangeError(`--outage takes <start seconds>+<duration seconds>[:503|:reset], e.g. 60+1800 or 60+1800:reset; got "${text}"`);
  const [, after, duration, kind] = match;
  if (Number(duration) === 0) throw new RangeError(`--outage "${text}" lasts 0 seconds; give a duration of at least 1`);
  return outageWindow(originMs, Number(after), Number(duration), kind === 'reset' ? 'connectionReset' : 'unavailable');
}
