import type { TransientRetryPolicy, WaitPolicy } from '../compile/step-plan.ts';

/**
 * How long the run waits before a step runs again. Step Functions Wait states take whole seconds, so every
 * result is a whole number of seconds, and never less than MIN_WAIT_SECONDS.
 */

/** Used when the plan leaves a wait-policy field out. */
export const WAIT_POLICY_DEFAULTS = { seconds: 5, initialSeconds: 2, factor: 2, ratio: 0.1, minSeconds: 2, maxSeconds: 60, jitter: 0 } as const;

/** No wait is shorter than this, whatever a policy or a server says: a wait of 0 would let a loop spin. */
export const MIN_WAIT_SECONDS = 1;

/**
 * Seconds to wait before retrying after transient trouble: full-jitter exponential backoff,
 * `ceil(random * min(maxSeconds, baseSeconds * 2^n))` with n = transient retries already taken, never under
 * `minSeconds`. A server's Retry-After is the least wait: calling back sooner only earns another 429, but a
 * Retry-After of 0 (or a date in the past) still waits the floor, and one shorter than the backoff does not
 * make a long outage cost more calls. The outage budget (see `outage-budget.ts`) bounds the total.
 */
export function transientRetrySeconds(
  policy: TransientRetryPolicy,
  retriesTaken: number,
  retryAfterSeconds: number | undefined,
  random: () => number,
): number {
  const floor = Math.max(MIN_WAIT_SECONDS, wholeSeconds(policy.minSeconds ?? MIN_WAIT_SECONDS));
  // 2^n overflows to Infinity after ~1000 retries in a row; min() keeps it at the cap.
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(retriesTaken, 1000));
  const backoff = Math.max(floor, wholeSeconds(random() * ceiling));
  return retryAfterSeconds === undefined ? backoff : Math.max(backoff, retryAfterSeconds);
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
  if (retryAfterSeconds !== undefined) return Math.max(pollFloorSeconds(policy), retryAfterSeconds);
  const { loops, waitedSeconds } = typeof streak === 'number' ? { loops: streak, waitedSeconds: 0 } : streak;
  const jitter = clamp(policy.jitter ?? WAIT_POLICY_DEFAULTS.jitter, 0, 1);
  // `jitter` is the randomised fraction: 0.2 waits between 80% and 100% of the base. Only ever shorter, so
  // jitter never makes a finished job wait longer to be noticed.
  const jittered = (base: number) => (jitter === 0 ? base : base * (1 - jitter) + base * jitter * random());

  switch (policy.kind) {
    case 'fixed':
      return Math.max(MIN_WAIT_SECONDS, wholeSeconds(policy.seconds ?? WAIT_POLICY_DEFAULTS.seconds));
    case 'exponential': {
      const initial = policy.initialSeconds ?? WAIT_POLICY_DEFAULTS.initialSeconds;
      const factor = policy.factor ?? WAIT_POLICY_DEFAULTS.factor;
      const max = policy.maxSeconds ?? WAIT_POLICY_DEFAULTS.maxSeconds;
      return Math.max(MIN_WAIT_SECONDS, wholeSeconds(jittered(Math.min(max, initial * factor ** loops))));
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
 * The least a poll waits, also when a server's Retry-After is 0 or a date in the past: a proportional
 * policy's `minSeconds`, otherwise a second.
 */
export function pollFloorSeconds(policy: WaitPolicy): number {
  const least = policy.kind === 'proportional' ? (policy.minSeconds ?? WAIT_POLICY_DEFAULTS.minSeconds) : MIN_WAIT_SECONDS;
  return Math.max(MIN_WAIT_SECONDS, wholeSeconds(least));
}

/**
 * Seconds to wait before an Arazzo retry: the server's Retry-After when it sent one, shorter or longer (the
 * spec: the header SHOULD overrule `retryAfter`), otherwise the action's retryAfter; at least a second, so
 * `retryAfter: 0` or `Retry-After: 0` cannot spin.
 */
export function arazzoRetrySeconds(retryAfter: number | undefined, retryAfterSeconds: number | undefined): number {
  return Math.max(MIN_WAIT_SECONDS, retryAfterSeconds ?? wholeSeconds(retryAfter ?? 0));
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
