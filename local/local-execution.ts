/**
 * Executes a synthesized definition with aws-local-stepfunctions (a real ASL interpreter). Every Task
 * invokes the real step runner in-process; secrets come from a store for this run only.
 *
 * Virtual time: Wait states and Task retry intervals take no real time, and the run's clock (which the
 * simulator also reads, through the `x-sim-clock` header) advances by exactly the seconds each Wait would
 * have taken. The step runner writes those seconds to `control.waitSeconds` before the Wait and sets 0 on
 * routes that pass none, so the next Task advances the clock by what it finds there, once: a Task retried
 * after a Lambda error sees the same state again. Retry intervals themselves do not move the clock.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { everyState, type AslDefinition, type AslState } from '../lib/compile/asl.ts';
import { START_EXECUTION_SYNC } from '../lib/compile/child-workflow.ts';
import { deployedPlans } from '../lib/compile/plan-digests.ts';
import type { RunState, StepRunnerEvent } from '../lib/compile/step-plan.ts';
import { runStep } from '../lib/runtime/run-step.ts';
import { staticSecretSource } from '../lib/runtime/secrets.ts';
import { CLOCK_HEADER, NOW_HEADER } from './civitai-simulator.ts';
import { systemClock, VirtualClock, type Clock } from './clock.ts';
import { nestedExecutionHandler } from './nested-executions.ts';
import { WAIT_FOR_TASK_TOKEN } from '../lib/compile/wake-wait.ts';
import type { WakeWaitEvent } from '../lib/runtime/callbacks/types.ts';
import { startCallbackHost, type CallbackHost } from './callback-host.ts';

export interface LocalExecutionOptions {
  definition: AslDefinition;
  /** The execution input: public inputs only. */
  input: Record<string, unknown>;
  /** Values of the secret inputs, for the step runner's secret store. */
  secrets?: Record<string, string>;
  /** A VirtualClock runs on virtual time; anything else waits for real. @default the system clock */
  clock?: Clock;
  /** Sent as `x-sim-clock`, with the run's time as `x-sim-now`, so a simulator keeps this run's jobs on this run's clock. */
  simulatorClockKey?: string;
  /** @default `local-<random>` */
  executionName?: string;
  fetch?: typeof fetch;
  random?: () => number;
  /** Each state's entry and exit as it happens, for progress lines. */
  onEvent?: (event: LocalEvent) => void;
  /** Definitions of the workflows this one starts (startExecution.sync:2), by state machine ARN. */
  stateMachines?: Record<string, AslDefinition>;
  /** Names the execution ARN. @default arazzo-local */
  stateMachineName?: string;
  /** A nested execution's events are shifted by this much, so they read on the parent's timeline. @default 0 */
  elapsedOffsetMs?: number;
  /**
   * Other definitions deployed with this one (child workflows): their plans may run too. The step runner
   * runs only the plans of `definition` and these, as the deployed function runs only the plans baked into it.
   */
  deployedWith?: AslDefinition[];
  /**
   * Where callbacks land when the definition has wake-up waits (`POST /callbacks/{token}` on 127.0.0.1).
   * @default one started for this run, on its clock, and stopped when it ends
   */
  callbackHost?: CallbackHost;
}

/** One entry of the execution's event log, with the run's clock time. */
export interface LocalEvent {
  type: string;
  /** Milliseconds since the run started, on the run's clock (virtual or real). */
  elapsedMs: number;
  stateName?: string;
  stateType?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Set on the events of a nested execution (a workflow run by a step), and on the parent's ChildExecution* events. */
  executionArn?: string;
  /** A wake-up wait's exit: whether a callback ended it or it ran its full time, and how long it waited. */
  wake?: 'callback' | 'timeout';
  waitedMs?: number;
}

export interface LocalExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  executionArn: string;
  output?: unknown;
  error?: string;
  cause?: string;
  events: LocalEvent[];
  /** State transitions, what Standard workflows bill: one per state entered. */
  transitions: number;
  /** Run time on the run's clock. */
  elapsedMs: number;
  /** The step runner's structured log entries (nested executions' included). */
  logs: Array<Record<string, unknown>>;
  /** The nested executions this one started, in the order they started; each is its own execution. */
  childExecutions: LocalExecutionResult[];
  /** `$$.Execution.StartTime` as the Tasks saw it: with the ARN, what a step's idempotency key derives from. */
  executionStartTime?: string;
}


const validated = new WeakSet<AslDefinition>();
const adapted = new WeakMap<AslDefinition, AslDefinition>();

const isWakeWait = (state: AslState) => state.Type === 'Task' && state.Resource === WAIT_FOR_TASK_TOKEN;

/**
 * The definition as the interpreter needs it. Step Functions reads a Task's TimeoutSecondsPath from the state's
 * input; aws-local-stepfunctions reads it from the Parameters it built. A wake-up wait's Payload carries the same
 * seconds as `timeoutSeconds`, so locally the path points there (the override ends the wait itself anyway).
 */
function forInterpreter(definition: AslDefinition): AslDefinition {
  const known = adapted.get(definition);
  if (known) return known;
  const adapt = (states: Record<string, AslState>): Record<string, AslState> =>
    Object.fromEntries(
      Object.entries(states).map(([name, state]) => [
        name,
        isWakeWait(state)
          ? { ...state, TimeoutSecondsPath: '$.Payload.timeoutSeconds' }
          : state.Type === 'Parallel'
            ? { ...state, Branches: state.Branches.map((branch) => ({ ...branch, States: adapt(branch.States) })) }
            : state,
      ]),
    );
  const result = everyState(definition.States).some(([, state]) => isWakeWait(state)) ? { ...definition, States: adapt(definition.States) } : definition;
  adapted.set(definition, result);
  return result;
}

const VALIDATION = { checkArn: false, checkPaths: true };

/**
 * Checks definitions as the interpreter does before a run (ASL schema, paths); throws on the first invalid one. A
 * checked definition is not checked again: the check compiles a JSON Schema, about half a second of CPU on a start.
 */
export function validateDefinitions(definitions: AslDefinition[]): void {
  for (const definition of definitions.map(forInterpreter)) {
    if (validated.has(definition)) continue;
    new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: VALIDATION });
    validated.add(definition);
  }
}

/** Definitions known to be valid without a check: read back from a cache that holds only checked ones. */
export function markValidated(definitions: AslDefinition[]): void {
  for (const definition of definitions) validated.add(forInterpreter(definition));
}

export async function executeLocally(options: LocalExecutionOptions): Promise<LocalExecutionResult> {
  const needsHost = options.callbackHost === undefined && everyState(options.definition.States).some(([, state]) => isWakeWait(state));
  const ownHost = needsHost ? await startCallbackHost({ clock: options.clock ?? systemClock }) : undefined;
  try {
    return await execute(ownHost ? { ...options, callbackHost: ownHost } : options);
  } finally {
    await ownHost?.stop();
  }
}

async function execute(options: LocalExecutionOptions): Promise<LocalExecutionResult> {
  const clock = options.clock ?? systemClock;
  const virtual = clock instanceof VirtualClock;
  const startedAt = clock.now();
  const elapsed = () => clock.now() - startedAt;
  const executionName = options.executionName ?? `local-${Math.random().toString(36).slice(2, 10)}`;
  const executionArn = `arn:aws:states:local:000000000000:execution:${options.stateMachineName ?? 'arazzo-local'}:${executionName}`;
  const logs: Array<Record<string, unknown>> = [];
  const baseFetch = options.fetch ?? globalThis.fetch;
  const fetchWithClock: typeof fetch = options.simulatorClockKey
    ? (url, init) => {
        const headers = new Headers(init?.headers);
        headers.set(CLOCK_HEADER, options.simulatorClockKey!);
        headers.set(NOW_HEADER, String(clock.now()));
        return baseFetch(url, { ...init, headers });
      }
    : baseFetch;
  const callbackHost = options.callbackHost;
  const deps = {
    ...(callbackHost ? { callbacks: callbackHost.issuer } : {}),
    deployed: deployedPlans([options.definition, ...(options.deployedWith ?? []), ...Object.values(options.stateMachines ?? {})]),
    secrets: staticSecretSource(options.secrets ?? {}),
    fetch: fetchWithClock,
    random: options.random ?? Math.random,
    log: (entry: Record<string, unknown>) => logs.push(entry),
    now: () => clock.now(),
  };

  // Tasks and Waits inside Parallel branches too: the interpreter applies overrides by state name (names are unique).
  const states = everyState(options.definition.States);
  let lastWaitKey = '';
  // A wake-up wait moves the clock itself (by what it actually waited); the next step must not add the full wait again.
  let waitTaken = false;
  /** What each wake-up wait actually waited, for the event times (consumed in order as each one exits). */
  const wakeResults: Array<{ waitedMs: number; wake: 'callback' | 'timeout' }> = [];
  const wakeWaitStates = new Set(states.filter(([, state]) => isWakeWait(state)).map(([name]) => name));
  let executionStartTime: string | undefined;
  const events: LocalEvent[] = [];
  const childExecutions: LocalExecutionResult[] = [];
  const nestedRuns = {
    stateMachines: options.stateMachines ?? {},
    parentName: executionName,
    run: (definition: AslDefinition, input: Record<string, unknown>, name: string, stateMachineArn: string) =>
      executeLocally({
        ...options,
        definition,
        input,
        executionName: name,
        stateMachineName: stateMachineArn.split(':').pop()!,
        elapsedOffsetMs: (options.elapsedOffsetMs ?? 0) + elapsed(),
        onEvent: (event) => options.onEvent?.({ ...event, executionArn: event.executionArn ?? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` }),
      }),
    onStart: (child: { executionArn: string; stateName: string }) => {
      const event: LocalEvent = { type: 'ChildExecutionStarted', elapsedMs: (options.elapsedOffsetMs ?? 0) + elapsed(), stateName: child.stateName, executionArn: child.executionArn };
      events.push(event);
      options.onEvent?.(event);
    },
    onEnd: (child: LocalExecutionResult, stateName: string) => {
      childExecutions.push(child);
      logs.push(...child.logs);
      const event: LocalEvent = {
        type: child.status === 'SUCCEEDED' ? 'ChildExecutionSucceeded' : 'ChildExecutionFailed',
        elapsedMs: (options.elapsedOffsetMs ?? 0) + elapsed(),
        stateName,
        executionArn: child.executionArn,
        ...(child.error !== undefined ? { error: child.error, cause: child.cause } : {}),
      };
      events.push(event);
      options.onEvent?.(event);
    },
  };
  const nestedCount = { n: 0 };
  const taskHandlers = Object.fromEntries(
    states
      .filter(([, s]) => s.Type === 'Task')
      .map(([name, state]) => [
        name,
        wakeWaitStates.has(name)
          ? async (request: unknown) => {
              const event = (request as { Payload: WakeWaitEvent }).Payload;
              try {
                const { message, waitedMs } = await callbackHost!.wait(event);
                wakeResults.push({ waitedMs, wake: 'callback' });
                return message as unknown as Record<string, never>;
              } catch (error) {
                wakeResults.push({ waitedMs: event.timeoutSeconds * 1000, wake: 'timeout' });
                throw error;
              } finally {
                waitTaken = true;
              }
            }
          : (state as { Resource?: string }).Resource === START_EXECUTION_SYNC ? nestedExecutionHandler(name, nestedRuns, nestedCount) : async (request: unknown) => {
          const payload = (request as { Payload: StepRunnerEvent }).Payload;
          executionStartTime ??= payload.executionStartTime;
          const { iterations, totalWaitSeconds, waitSeconds } = payload.state.control;
          const waitKey = `${iterations}:${totalWaitSeconds}`;
          if (virtual && waitKey !== lastWaitKey && !waitTaken) {
            clock.advance(waitSeconds * 1000);
            // What the clock passed (a simulator's callbacks) has happened before the step runs.
            await (clock as VirtualClock).settle();
          }
          waitTaken = false;
          lastWaitKey = waitKey;
          try {
            return { Payload: await runStep(payload, deps) } as unknown as Record<string, never>;
          } catch (error) {
            throw asLambdaError(error);
          }
        },
      ]),
  );
  const zeroFor = (type: string) => Object.fromEntries(states.filter(([, s]) => s.Type === type).map(([n]) => [n, 0]));

  // Validating a definition costs ~75 ms of CPU once the validator is compiled; a benchmark runs the same one hundreds of times at once.
  const interpreted = forInterpreter(options.definition);
  const machine = new StateMachine(interpreted as unknown as StateMachineDefinition, {
    validationOptions: validated.has(interpreted) ? { noValidate: true } : VALIDATION,
  });
  validated.add(interpreted);
  const execution = machine.run(options.input as Parameters<StateMachine['run']>[0], {
    overrides: {
      taskResourceLocalHandlers: taskHandlers,
      ...(virtual ? { waitTimeOverrides: zeroFor('Wait'), retryIntervalOverrides: zeroFor('Task') } : {}),
    },
    // Task.Token: what a wake-up wait's Parameters read; its override makes a real token of its own.
    context: { Execution: { Id: executionArn, Name: executionName }, Task: { Token: 'local-task-token' } } as never,
  });

  // The interpreter reports events after the fact, when the next Task may already have moved the clock:
  // on virtual time, an event's time is the sum of the Waits before it; on real time, its own timestamp.
  let virtualElapsedMs = 0;
  // A wake-up wait's outcome is known when its first event after entering arrives; its exit reports it.
  let inWakeWait = false;
  let lastWake: (typeof wakeResults)[number] | undefined;
  const wakeOf = (raw: RawEvent) => {
    if (raw.state === undefined || !wakeWaitStates.has(raw.state.name)) return undefined;
    if (raw.type === 'StateEntered') inWakeWait = true;
    else if (inWakeWait) {
      inWakeWait = false;
      lastWake = wakeResults.shift();
      if (virtual) virtualElapsedMs += lastWake?.waitedMs ?? 0;
    }
    return raw.type === 'StateExited' ? lastWake : undefined;
  };
  const eventTime = (raw: RawEvent) => {
    const offset = options.elapsedOffsetMs ?? 0;
    if (!virtual) return offset + (raw.timestamp ?? Date.now()) - startedAt;
    const at = offset + virtualElapsedMs;
    if (raw.type === 'StateEntered' && raw.state?.type === 'Wait') {
      virtualElapsedMs += ((raw.state.input as Partial<RunState> | undefined)?.control?.waitSeconds ?? 0) * 1000;
    }
    return at;
  };
  const collect = (async () => {
    for await (const raw of execution.eventLogs) {
      const wake = wakeOf(raw as unknown as RawEvent);
      const event = toLocalEvent(raw as unknown as RawEvent, eventTime(raw as unknown as RawEvent));
      if (wake) Object.assign(event, { wake: wake.wake, waitedMs: wake.waitedMs });
      events.push(event);
      options.onEvent?.(event);
    }
  })();

  let status: LocalExecutionResult['status'] = 'SUCCEEDED';
  let output: unknown;
  let error: string | undefined;
  let cause: string | undefined;
  try {
    output = await execution.result;
  } catch (failure) {
    status = 'FAILED';
    const reason = (failure as { cause?: { name?: string; message?: string } }).cause;
    error = reason?.name ?? 'States.Runtime';
    cause = reason?.message ?? String(failure);
  }
  await collect;
  // The event log says it as the console does; prefer it over the interpreter's exception.
  const failed = events.find((e) => e.type === 'ExecutionFailed');
  if (failed) {
    error = failed.error ?? error;
    cause = failed.cause ?? cause;
  }
  return {
    status,
    executionArn,
    ...(status === 'SUCCEEDED' ? { output } : { error, cause }),
    events,
    transitions: events.filter((e) => e.type === 'StateEntered').length,
    elapsedMs: elapsed(),
    logs,
    ...(executionStartTime !== undefined ? { executionStartTime } : {}),
    childExecutions,
  };
}

/** The run's events and, after them, each nested execution's own (marked with its executionArn), depth first. */
export function eventsWithChildren(result: LocalExecutionResult): LocalEvent[] {
  return [
    ...result.events,
    ...result.childExecutions.flatMap((child) => eventsWithChildren(child).map((event) => ({ ...event, executionArn: event.executionArn ?? child.executionArn }))),
  ];
}

interface RawEvent {
  type: string;
  timestamp?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: string;
  output?: unknown;
  input?: unknown;
}

function toLocalEvent(raw: RawEvent, elapsedMs: number): LocalEvent {
  return {
    type: raw.type,
    elapsedMs,
    ...(raw.state ? { stateName: raw.state.name, stateType: raw.state.type } : {}),
    ...(raw.state?.input !== undefined ? { input: raw.state.input } : raw.input !== undefined ? { input: raw.input } : {}),
    ...(raw.state?.output !== undefined ? { output: raw.state.output } : raw.output !== undefined ? { output: raw.output } : {}),
    ...(raw.Error !== undefined ? { error: raw.Error } : {}),
    ...(raw.Cause !== undefined ? { cause: typeof raw.Cause === 'string' ? raw.Cause : JSON.stringify(raw.Cause) } : {}),
  };
}

/**
 * Lambda reports a handler's exception as Error = errorType and Cause = JSON {errorType, errorMessage, trace};
 * the interpreter takes the thrown error's name and message, so give it those.
 */
function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const lambdaError = new Error(JSON.stringify({ errorType: original.name, errorMessage: original.message, trace: [] }));
  lambdaError.name = original.name;
  return lambdaError;
}

export type { RunState };
