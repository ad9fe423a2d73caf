/**
 * The contract between the compiler and the step runner.
 *
 * The compiler turns each Arazzo step into a `StepPlan` (everything the step runner needs to run that
 * step, with components, workflow-level parameters and actions already merged and the operation resolved
 * to a method and URL) and embeds it, as a JSON string, in the Task state's Payload. The state machine
 * definition is therefore the whole program: the step runner knows Arazzo, never a particular document.
 *
 * The run's state (`RunState`) is small: inputs, step outputs, workflow outputs so far, and `control`,
 * which the step runner always fills completely so the definition never reads a path that can be absent.
 */
import type { SelectorObject } from '../arazzo/selector.ts';
import type { Criterion, JsonSchema, ParameterLocation } from '../arazzo/types.ts';

/** Bump when the shape below changes incompatibly. */
export const PLAN_VERSION = 1;

/** Routes that do not come from a document action. The Choice after each step matches them too. */
export const Route = {
  /** Success criteria met and no success action matched: go to the next step, or end after the last. */
  next: 'next',
  /** Transient trouble (network, timeout, 429, 5xx): wait `control.waitSeconds`, then run the step again. */
  transientRetry: 'transientRetry',
  /** Fails the run with `Errors.stepFailed`. */
  stepFailed: 'stepFailed',
  /** Fails the run with `Errors.loopLimitExceeded`. */
  loopLimitExceeded: 'loopLimitExceeded',
  /** Fails the run with `Errors.invalidInputs`. */
  invalidInputs: 'invalidInputs',
  /**
   * Transient trouble outlasted the step's outage budget. Never seen by a Choice: the step runner throws
   * `Errors.outageBudgetSpent` instead, so the execution fails at the step's Task and a redrive runs the step again.
   */
  outageBudgetSpent: 'outageBudgetSpent',
  /** A workflow-call step has built its child's input: start the child and wait for it. */
  callWorkflow: 'callWorkflow',
  /** A non-idempotent request without an idempotency key failed ambiguously: fails the run with `Errors.mayHaveTakenEffect`. */
  mayHaveTakenEffect: 'mayHaveTakenEffect',
  /** A receive step is ready to wait (or waits again after a message that was not its own): the durable wait. */
  awaitMessage: 'awaitMessage',
} as const;

/** Error names of the Fail states the compiler adds (failure `end` actions use the action's own name). */
export const Errors = {
  stepFailed: 'Arazzo.StepFailed',
  loopLimitExceeded: 'Arazzo.LoopLimitExceeded',
  invalidInputs: 'Arazzo.InvalidInputs',
  /** Thrown by the step runner when the secret store cannot be read right now; the Task retries it. */
  secretUnavailable: 'Arazzo.SecretUnavailable',
  /** Thrown by the step runner when the secret lacks a value the step needs; retrying cannot help. */
  secretMisconfigured: 'Arazzo.SecretMisconfigured',
  /**
   * Thrown by the step runner when transient trouble (network, timeout, 429, 5xx) lasted through the step's
   * outage budget (`transientRetry.budgetSeconds`). The Task does not catch it, so a redrive restarts the step.
   */
  outageBudgetSpent: 'Arazzo.OutageBudgetSpent',
  /** Thrown by the step runner for a plan its deployment did not compile in, or a request to an origin it did not; never retried. */
  planNotDeployed: 'Arazzo.PlanNotDeployed',
  /** A request that may have acted (reset after sending, timeout, 500/502/504) and may not be repeated safely. */
  mayHaveTakenEffect: 'Arazzo.MayHaveTakenEffect',
} as const;

export interface PlannedAction {
  /** The value the step runner puts in `control.route` when this action is chosen; unique within the step. */
  route: string;
  name: string;
  type: 'end' | 'goto' | 'retry';
  /** Empty means the action always applies. */
  criteria: Criterion[];
  /** goto: the target step. */
  stepId?: string;
  /** goto to a workflow: its key (see WorkflowCallPlan.workflow); the run continues as that workflow. */
  workflowId?: string;
  /** goto to this step or an earlier one, or retry: the run passes through a Wait whose seconds the runner supplies. */
  loopsBack: boolean;
  /** retry: seconds to wait (Arazzo `retryAfter`), and how many times (Arazzo `retryLimit`, default 1). */
  retryAfter?: number;
  retryLimit?: number;
  /** end that the deployment declares a failure: the run ends in a Fail named after the action. */
  endsInFailure?: boolean;
}

export interface PlannedParameter {
  name: string;
  in: ParameterLocation;
  /** Literal, runtime expression, or string with embedded `{$...}` expressions. */
  value: unknown;
}

/**
 * The wait before a loop-back (a poll). Every wait is whole seconds, and a server's Retry-After wins.
 * - fixed: always `seconds`.
 * - exponential: `initialSeconds * factor^n` capped at `maxSeconds`, n = loop-backs already made in this streak.
 * - proportional: `ratio` times the seconds already waited in this streak, clamped to [minSeconds, maxSeconds]:
 *   a job is noticed at most about `ratio` of its duration late, and a long one costs few transitions.
 * `jitter` (exponential, proportional) is the fraction of the wait that is randomised downwards (0 = none, 1 = full).
 */
export interface WaitPolicy {
  kind: 'fixed' | 'exponential' | 'proportional';
  seconds?: number;
  initialSeconds?: number;
  factor?: number;
  ratio?: number;
  minSeconds?: number;
  maxSeconds?: number;
  jitter?: number;
}

/**
 * Retries of transient trouble (network errors, timeouts, 429, 5xx), budgeted in time: the step keeps calling
 * until the outage (from its first failed call) has lasted `budgetSeconds`, waiting
 * `ceil(random * min(maxSeconds, baseSeconds * 2^n))` seconds (full jitter) between calls, never less than
 * `minSeconds`; a server's Retry-After is honoured as the least wait. The last call lands when the budget ends.
 */
export interface TransientRetryPolicy {
  /** How long one outage may last, in seconds from the step's first failed call, before the step gives up. */
  budgetSeconds: number;
  /** Ceiling of the first backoff; it doubles on each retry in a row. */
  baseSeconds: number;
  /** The backoff ceiling: at the cap, waits average maxSeconds / 2. */
  maxSeconds: number;
  /** The floor of every wait, also under a Retry-After of 0 or a date in the past. */
  minSeconds: number;
}

/** What the step runner remembers of the outage a step is in (consecutive transient failures). */
export interface OutageRecord {
  /** Epoch ms of the first failed call, and of the latest. */
  since: number;
  lastAt: number;
  /** Short descriptions ("HTTP 503", "network error (ECONNRESET)"), never a body. */
  firstError: string;
  lastError: string;
  /** Failed calls in this outage. */
  failures: number;
}

export interface CallbackPlan {
  in: 'header' | 'query' | 'body';
  /** Header or query parameter name, or a JSON Pointer into the body. */
  name: string;
  /** The waitId of the wake-up wait a callback ends (the polling step's id). */
  waitId: string;
  ttlSeconds: number;
  /** The token may wake its wait more than once (a receive step's: a message that is not its own must not use it up). */
  reusable?: boolean;
}

export interface IdempotencyPlan {
  /** Where the execution-derived key goes: a header name, a query parameter name, or a JSON Pointer into the body. */
  in: 'header' | 'query' | 'body';
  name: string;
}

export interface StepPlan {
  version: typeof PLAN_VERSION;
  workflowId: string;
  stepId: string;
  /** Index of the step in the workflow; the first step checks the inputs. */
  index: number;
  request: {
    method: string;
    /** Absolute URL template: deploy-time server base URL + path, with `{name}` path placeholders. */
    url: string;
    parameters: PlannedParameter[];
    body?: {
      contentType?: string;
      payload?: unknown;
      replacements?: Array<{ target: string; value: unknown }>;
    };
    timeoutMs: number;
    /** Arazzo 1.1 step `timeout`: a call that takes longer fails the step (so onFailure applies) instead of being retried. */
    timeoutFailsStep?: boolean;
    /** The most response body bytes read; a larger answer fails the step. Absent in older plans: the runner's default. */
    maxResponseBytes?: number;
    /** The deployment marks this request as not idempotent whatever its method (POST and PATCH always are). */
    nonIdempotent?: boolean;
  };
  /** The document's `$self`, resolved, for `$self` expressions (Arazzo 1.1). */
  self?: string;
  successCriteria: Criterion[];
  /** Runtime expressions, or Selector Objects (1.1). */
  outputs: Record<string, string | SelectorObject>;
  /** Step actions, then the workflow's, in the order Arazzo evaluates them (first match wins). */
  onSuccess: PlannedAction[];
  onFailure: PlannedAction[];
  /** The workflow's outputs, resolved after every step into `RunState.outputs`. */
  workflowOutputs: Record<string, string | SelectorObject>;
  /** The step's values hold Selector Objects (a 1.1 document): objects shaped like one are one, not literals. */
  selectors?: true;
  /** Public input schema (secret inputs removed). Checked when `index === 0`. */
  inputSchema?: JsonSchema;
  /** Input names whose values come from the secret store, never from the state. */
  secretInputs: string[];
  idempotency?: IdempotencyPlan;
  /**
   * The request carries a callback URL made for this run (deployment option `callbacks`): where it goes, the
   * wait a call to it wakes, and how long it stays valid. The URL's token is never kept in the state or logged.
   */
  callback?: CallbackPlan;
  /** Set when the step runs another workflow (Arazzo step `workflowId`); `request` is then not used. */
  workflowCall?: WorkflowCallPlan;
  /** Set for an Arazzo 1.1 `action: receive` step: it waits for a message; `request` is then not used. */
  receive?: ReceivePlan;
  /**
   * Set on a state that runs no step (see lib/compile/step-layout.ts): it merges what the branches of the Parallel
   * before it left in `RunState.join` (their steps' outputs, in this order), and with no branches and index 0 it
   * only checks the run's inputs before a first Parallel. `request` is then not used.
   */
  join?: { branches: string[][] };
  /**
   * The fraction of the run-state budget this step may fill: less than 1 in a Parallel branch, whose siblings'
   * outputs are merged with its own (see stateShares in lib/compile/step-layout.ts). Absent: the whole budget.
   */
  stateBudgetShare?: number;
  transientRetry: TransientRetryPolicy;
  waitPolicy: WaitPolicy;
  loopLimit: { maxIterations: number; maxTotalWaitSeconds: number };
}

export interface RunControl {
  /** What the Choice after the step routes on: a `PlannedAction.route` or a `Route` value. */
  route: string;
  /** Whole seconds for the Wait the route passes through (0 when it passes none). */
  waitSeconds: number;
  /** Loop-backs, retries and transient retries taken so far in this run. */
  iterations: number;
  totalWaitSeconds: number;
  /**
   * Per step: consecutive visits of the current poll/retry streak, transient attempts, Arazzo retries, and the
   * seconds waited in the streak (absent in states written before it existed: read as 0).
   */
  attempts: Record<string, { transient: number; retries: number; loops: number; waitedSeconds?: number; outage?: OutageRecord }>;
  /** The step that ran last and what it saw (status code, remote outputs), for failure causes and progress lines. */
  lastStep: { stepId: string; statusCode: number | null; outputs: Record<string, unknown> };
  /** JSON text: the workflow outputs so far and the last step's outputs, with a message; read by Fail states. */
  cause: string;
}

export interface RunState {
  inputs: Record<string, unknown>;
  steps: Record<string, Record<string, unknown>>;
  outputs: Record<string, unknown>;
  control: RunControl;
  /** A workflow-call step under way: the child's input, then what Step Functions returned; gone after the step. */
  call?: WorkflowCallState;
  /** `$workflows.<id>.inputs|outputs` of the workflows this run has run (dependencies, called workflows). */
  workflows?: Record<string, { inputs: Record<string, unknown>; outputs: Record<string, unknown> }>;
  /** What each branch of a Parallel added (its End Pass state's output), until the join after it merges them. */
  join?: BranchResult[];
  /** A receive step under way: what it waits for, then the message; gone after the step. */
  receive?: ReceiveState;
}

/** A Parallel branch's contribution: its steps' outputs and its control (counters). */
export interface BranchResult {
  steps: Record<string, Record<string, unknown>>;
  control: RunControl;
}

/**
 * A receive step (Arazzo 1.1 `action: receive` on an HTTP webhook channel of an AsyncAPI description), compiled
 * as: the step runner (phase start) → the durable wait for a callback → the step runner (phase finish).
 */
export interface ReceivePlan {
  /** `<source>#/channels/<key>` (or `#/operations/<id>`): for the console and messages. */
  channel: string;
  /** The step's correlationId as written (a literal or a runtime expression); absent: any message of the run. */
  correlationId?: unknown;
  /** Where a message carries its correlation ID (AsyncAPI `correlationId.location`). */
  correlation?: { in: 'payload' | 'header'; pointer: string };
  /** Header names the message may bring into `$message.header.<name>` (lower case), besides content-type and a correlation header; others are dropped. */
  headers: string[];
  /** Arazzo `timeout` in whole seconds (at least 1): no matching message by then fails the step. */
  timeoutSeconds: number;
  /** The most bytes of message (payload and headers, as JSON) the step accepts; a larger one fails the step. */
  maxMessageBytes: number;
}

/** What a message looks like to a receive step: `$message.payload`, `$message.header.<name>`. */
export interface ReceivedMessage {
  payload: unknown;
  headers: Record<string, string>;
}

export interface ReceiveState {
  /** The correlation ID this step waits for (the step's correlationId evaluated), if it has one. */
  correlationId?: string;
  /** Epoch ms at which the step's timeout ends, and the whole seconds left then (the wait's TimeoutSecondsPath). */
  deadline: number;
  timeoutSeconds: number;
  /** The wait's result: the message the callback carried (absent after a timeout). */
  message?: ReceivedMessage;
}

export interface WorkflowCallState {
  /** The child's input, written by the start phase and read by the startExecution.sync:2 Task. */
  input: { inputs: Record<string, unknown> };
  /** The child succeeded: its output (the child's workflow outputs) and execution. */
  result?: { output: unknown; executionArn: string };
  /** The Task failed (the child failed, timed out, was aborted, or could not start): Step Functions' error output. */
  error?: { Error?: string; Cause?: string };
}

/** A run's state before its first step: every field the definition reads already exists. */
export function initialRunState(inputs: Record<string, unknown> = {}): RunState {
  return {
    inputs,
    steps: {},
    outputs: {},
    control: {
      route: 'start',
      waitSeconds: 0,
      iterations: 0,
      totalWaitSeconds: 0,
      attempts: {},
      lastStep: { stepId: '', statusCode: null, outputs: {} },
      cause: '',
    },
  };
}

/**
 * A step that runs another workflow as its own state machine (see lib/compile/child-workflow.ts): the step
 * runner resolves `inputs` into the child's input (phase `start`), Step Functions runs the child and waits,
 * then the step runner judges the child's outcome and routes like any step (phase `finish`).
 */
export interface WorkflowCallPlan {
  /** Why it runs: a step with workflowId, a workflow's dependsOn, or a goto action to a workflow. */
  kind: 'step' | 'dependsOn' | 'goto';
  /** The called workflow's key in the compiled document set (its workflowId, or `<source>.<workflowId>`). */
  workflow: string;
  /** Its workflowId when it is a workflow of the caller's own document: `$workflows.<localId>` reads its inputs and outputs. */
  localId?: string;
  /** Child input name → literal or runtime expression, from the step's parameters. */
  inputs: Record<string, unknown>;
  /** Child inputs the child reads from the secret store itself; never put in its input. */
  secretInputs: string[];
}

/** What the step runner does for a workflow-call step: build the child's input, or judge its outcome. */
export type WorkflowCallPhase = 'start' | 'finish';

/** The Lambda payload the compiled Task state sends. */
export interface StepRunnerEvent {
  /** `StepPlan` as JSON text, so no key in a document can be read as a `.$` path by Step Functions. */
  plan: string;
  state: RunState;
  /** `$$.Execution.Id`: the idempotency key is derived from it, so every retry of the run reuses it. */
  executionId: string;
  /** Workflow-call steps only. */
  phase?: WorkflowCallPhase;
  /**
   * `$$.Execution.StartTime`, recorded once when the execution starts: with the id, it keeps the key unique per
   * run even when an execution name is used again later.
   */
  executionStartTime?: string;
}

/**
 * Whether repeating the step's request could act twice (charge twice, create two jobs): POST and PATCH, or any
 * request the deployment marks so. Such a request is repeated after an ambiguous failure only with an idempotency key.
 */
export function isNonIdempotent(plan: Pick<StepPlan, 'request'>): boolean {
  const method = plan.request.method.toUpperCase();
  return plan.request.nonIdempotent === true || method === 'POST' || method === 'PATCH';
}

/** A non-idempotent request with no idempotency key: an ambiguous failure ends the run instead of a retry. */
export function repeatIsUnsafe(plan: Pick<StepPlan, 'request' | 'idempotency'>): boolean {
  return isNonIdempotent(plan) && plan.idempotency === undefined;
}

/** The step runner returns the next state; the Task's OutputPath selects it. */
export type StepRunnerResult = RunState;
