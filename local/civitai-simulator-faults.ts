/**
 * Fault injection for the API simulator: which request gets which fault.
 *
 * A fault policy is a function of the request's identity (operation, a stable key, the attempt number
 * for that key), never of arrival order across keys, so both modes give every logical request the same
 * fault however hundreds of concurrent runs interleave.
 */
import { createHash } from 'node:crypto';

export type SimulatedOperation = 'submitWorkflow' | 'getWorkflow';

export type Fault =
  /** 429 with `Retry-After`; the request has no effect. */
  | { kind: 'rateLimited'; retryAfterSeconds: number }
  /** 500; the request has no effect. */
  | { kind: 'serverError' }
  /** 503, with `Retry-After` when given; the request has no effect. */
  | { kind: 'unavailable'; retryAfterSeconds?: number }
  /** The request takes effect at once; the (correct) response is held back this many real milliseconds (not virtual time). */
  | { kind: 'slow'; delayMs: number }
  /** The socket is destroyed without a response; `afterEffect`: only after the request took effect (a submit created its job). */
  | { kind: 'connectionReset'; afterEffect?: boolean }
  /** The request takes effect; the response keeps its status but its JSON body is cut in half. */
  | { kind: 'malformedJson' };

export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = ['rateLimited', 'serverError', 'unavailable', 'slow', 'connectionReset', 'malformedJson'];

export interface FaultContext {
  operation: SimulatedOperation;
  /**
   * 1-based. getWorkflow: the nth GET of this workflow id. submitWorkflow: the nth submit carrying this
   * `externalId` (the attempts of one logical submission), or the nth submit to the server when the body has none.
   */
  attempt: number;
  /** getWorkflow: the workflow's externalId when it has one, else its id. submitWorkflow: the externalId, else `submit#<n>`. */
  key: string;
  workflowId?: string;
  externalId?: string;
}

export type FaultPolicy = (context: FaultContext) => Fault | undefined;

export const noFaults: FaultPolicy = () => undefined;

export interface ScheduledFault {
  operation: SimulatedOperation;
  /** Attempt numbers (see `FaultContext.attempt`) this fault answers. */
  attempts: readonly number[];
  fault: Fault;
}

/** Deterministic schedule: the first rule naming the request's operation and attempt decides. */
export function scheduledFaults(rules: readonly ScheduledFault[]): FaultPolicy {
  rules.forEach((rule, index) => {
    for (const attempt of rule.attempts) {
      if (!Number.isInteger(attempt) || attempt < 1) {
        throw new RangeError(`scheduledFaults: rules[${index}].attempts must hold 1-based integers (1 = first attempt), got ${attempt}`);
      }
    }
    validateFault(rule.fault, `rules[${index}].fault`);
  });
  return (context) => rules.find((rule) => rule.operation === context.operation && rule.attempts.includes(context.attempt))?.fault;
}

/** Kinds the random mode draws; a reset after the effect is its own kind so its rate can be set apart. */
export type RandomFaultKind = FaultKind | 'connectionResetAfterEffect';

export interface RandomFaultOptions {
  seed: number | string;
  /** Probability per request of each fault; they are exclusive, so the rates must add up to at most 1. */
  rates: Partial<Record<RandomFaultKind, number>>;
  /** Operations the faults apply to (default both). */
  operations?: readonly SimulatedOperation[];
  /** Retry-After of drawn 429s and 503s (default 1). */
  retryAfterSeconds?: number;
  /** Delay of drawn slow responses (default 5000). */
  slowDelayMs?: number;
}

const RANDOM_KIND_ORDER: readonly RandomFaultKind[] = [
  'rateLimited',
  'serverError',
  'unavailable',
  'slow',
  'connectionReset',
  'connectionResetAfterEffect',
  'malformedJson',
];

/** Seeded random mode: each (seed, operation, key, attempt) draws the same fault on every run. */
export function randomFaults(options: RandomFaultOptions): FaultPolicy {
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const slowDelayMs = options.slowDelayMs ?? 5000;
  const operations = options.operations ?? ['submitWorkflow', 'getWorkflow'];
  let sum = 0;
  for (const [kind, rate] of Object.entries(options.rates)) {
    if (!(RANDOM_KIND_ORDER as readonly string[]).includes(kind)) {
      throw new RangeError(`randomFaults: rates.${kind} is not a fault kind; use one of ${RANDOM_KIND_ORDER.join(', ')}`);
    }
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new RangeError(`randomFaults: rates.${kind} must be a probability in [0, 1], got ${rate}`);
    sum += rate;
  }
  if (sum > 1 + 1e-9) throw new RangeError(`randomFaults: the rates add up to ${sum}; faults are exclusive, so lower them to a total of at most 1`);

  const build = (kind: RandomFaultKind): Fault => {
    switch (kind) {
      case 'rateLimited':
        return { kind, retryAfterSeconds };
      case 'unavailable':
        return { kind, retryAfterSeconds };
      case 'slow':
        return { kind, delayMs: slowDelayMs };
      case 'connectionReset':
        return { kind, afterEffect: false };
      case 'connectionResetAfterEffect':
        return { kind: 'connectionReset', afterEffect: true };
      case 'serverError':
      case 'malformedJson':
        return { kind };
    }
  };

  return (context) => {
    if (!operations.includes(context.operation)) return undefined;
    let draw = unitInterval(`${options.seed}|${context.operation}|${context.key}|${context.attempt}`);
    for (const kind of RANDOM_KIND_ORDER) {
      const rate = options.rates[kind] ?? 0;
      if (draw < rate) return build(kind);
      draw -= rate;
    }
    return undefined;
  };
}

/** A uniform number in [0, 1) determined by the text alone. */
function unitInterval(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function validateFault(fault: Fault, where: string): void {
  switch (fault.kind) {
    case 'rateLimited':
      if (!(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)) {
        throw new RangeError(`scheduledFaults: ${where}.retryAfterSeconds must be a whole number of seconds >= 0, got ${fault.retryAfterSeconds}`);
      }
      return;
    case 'unavailable':
      if (fault.retryAfterSeconds !== undefined && !(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)) {
        throw new RangeError(`scheduledFaults: ${where}.retryAfterSeconds must be a whole number of seconds >= 0, got ${fault.retryAfterSeconds}`);
      }
      return;
    case 'slow':
      if (!(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
        throw new RangeError(`scheduledFaults: ${where}.delayMs must be a number of milliseconds >= 0, got ${fault.delayMs}`);
      }
      return;
    case 'serverError':
    case 'connectionReset':
    case 'malformedJson':
      return;
    default:
      throw new RangeError(`scheduledFaults: ${where}.kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
}
