import type { TransientRetryPolicy, WaitPolicy } from '../compile/step-plan.ts';

/**
 * How long the run waits before a step runs again. Step Functions Wait states take whole seconds, so every
 * result is a non-negative integer.
 */

/** Used when the plan leaves a wait-policy field out. */
export const WAIT_POLICY_DEFAULTS = { seconds: 5, initialSeconds: 2, factor: 2, ratio: 0.1, minSeconds: 2, maxSeconds: 60, jitter: 0 } as const;

/**
 * Seconds to wait before retrying after transient trouble. A server's Retry-After wins, and is not capped by
 * `maxSeconds`: calling back sooner than the server asked only earns another 429. The run's loop limit
 * (`maxTotalWaitSeconds`) still bounds it; a Retry-After that does not fit in it ends the run.
 * Without Retry-After: full-jitter exponential backoff, `ceil(random * min(maxSeconds, baseSeconds * 2^n))`
 * with n = transient retries already taken, and never less than 1 second so retries cannot spin.
 */
export function transientRetrySeconds(
  policy: TransientRetryPolicy,
  retriesTaken: number,
  retryAfterSeconds: number | undefined,
  random: () => number,
): number {
  if (retryAfterSeconds !== undefined) return Math.max(1, retryAfterSeconds);
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** retriesTaken);
  return Math.max(1, wholeSeconds(random() * ceiling));
}

/** Where a poll streak stands when the step decides to loop back again. */
export interface PollStreak {
  /** Loop-backs this step has already made in the streak. */
  loops: number;
  /** Seconds already waited in the streak (polls, retries and transient retries alike). */
  waitedSeconds: number;
}

/**
 * Seconds to wait before a goto that loops back (a poll). Retry-After on the response wins; otherwise the
 * plan's wait policy (see `WaitPolicy`). A bare number is read as loop-backs taken, with nothing waited yet.
 */
export function loopBackSeconds(
  policy: WaitPolicy,
  streak: PollStreak | number,
  retryAfterSeconds: number | undefined,
  random: () => number,
): number {
  if (retryAfterSeconds !== undefined) return retryAfterSeconds;
  const { loops, waitedSeconds } = typeof streak === 'number' ? { loops: streak, waitedSeconds: 0 } : streak;
  const jitter = clamp(policy.jitter ?? WAIT_POLICY_DEFAULTS.jitter, 0, 1);
  // `jitter` is the randomised fraction: 0.2 waits between 80% and 100% of the base. Only ever shorter, so
  // jitter never makes a finished job wait longer to be noticed.
  const jittered = (base: number) => (jitter === 0 ? base : base * (1 - jitter) + base * jitter * random());

  switch (policy.kind) {
    case 'fixed':
      return wholeSeconds(policy.seconds ?? WAIT_POLICY_DEFAULTS.seconds);
    case 'exponential': {
      const initial = policy.initialSeconds ?? WAIT_POLICY_DEFAULTS.initialSeconds;
      const factor = policy.factor ?? WAIT_POLICY_DEFAULTS.factor;
      const max = policy.maxSeconds ?? WAIT_POLICY_DEFAULTS.maxSeconds;
      return wholeSeconds(jittered(Math.min(max, initial * factor ** loops)));
    }
    case 'proportional': {
      const ratio = policy.ratio ?? WAIT_POLICY_DEFAULTS.ratio;
      // At least a second: a streak starts with nothing waited, and a wait of 0 would never grow.
      const min = Math.max(1, wholeSeconds(policy.minSeconds ?? WAIT_POLICY_DEFAULTS.minSeconds));
      const max = Math.max(min, wholeSeconds(policy.maxSeconds ?? WAIT_POLICY_DEFAULTS.maxSeconds));
      return clamp(wholeSeconds(jittered(ratio * Math.max(0, waitedSeconds))), min, max);
    }
    default:
      throw new Error(`waitPolicy.kind is ${JSON.stringify((policy as { kind?: unknown }).kind)}; this step runner knows fixed, exponential and proportional. Redeploy so the compiler checks the policy`);
  }
}

/**
 * Seconds to wait before an Arazzo retry: the server's Retry-After when it sent one, shorter or longer (the
 * spec: the header SHOULD overrule `retryAfter`), otherwise the action's retryAfter.
 */
export function arazzoRetrySeconds(retryAfter: number | undefined, retryAfterSeconds: number | undefined): number {
  return retryAfterSeconds ?? wholeSeconds(retryAfter ?? 0);
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), rounded up; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return wholeSeconds(Number(text));
  // An HTTP-date always names the day and month; without letters, Date.parse would read "-5" as a year.
  const date = /[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return wholeSeconds((date - nowMs) / 1000);
}

/** Rounds up to a whole, non-negative second; the tolerance keeps float noise (3.0000000000000004) from adding a second. */
function wholeSeconds(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.ceil(seconds - 1e-9);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
