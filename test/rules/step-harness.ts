/**
 * Runs one step plan through the step runner's public function, `runStep`, against answers scripted in
 * process (no server, no clock): each rule test says what the API answers and reads what the runner did.
 */
import { initialRunState, PLAN_VERSION, type PlannedAction, type RunState, type StepPlan } from '../../lib/compile/step-plan.ts';
import { runStep } from '../../lib/runtime/run-step.ts';
import { staticSecretSource } from '../../lib/runtime/secrets.ts';
import { deployedFor } from '../support/deployed.ts';

export const EXECUTION_ID = 'arn:aws:states:eu-west-1:111122223333:execution:rules:run-1';

export type Answer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** fetch rejects with this error, as it does when the connection fails. */
  | { fails: unknown };

export interface SentRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string | undefined;
}

export interface StepRun {
  state: RunState;
  sent: SentRequest[];
  logs: Array<Record<string, unknown>>;
}

export function action(name: string, type: PlannedAction['type'], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { route: name, name, type, criteria: [], loopsBack: false, ...extra };
}

/** A GET of https://api.test/jobs/1 with nothing to route on; the rule tests change what they need. */
export function stepPlan(overrides: Partial<StepPlan> = {}): StepPlan {
  return {
    version: PLAN_VERSION,
    workflowId: 'rules',
    stepId: 'poll',
    index: 1,
    request: { method: 'GET', url: 'https://api.test/jobs/1', parameters: [], timeoutMs: 1000 },
    successCriteria: [],
    outputs: {},
    onSuccess: [],
    onFailure: [],
    workflowOutputs: {},
    secretInputs: [],
    transientRetry: { budgetSeconds: 120, baseSeconds: 2, maxSeconds: 30, minSeconds: 1 },
    waitPolicy: { kind: 'fixed', seconds: 5 },
    loopLimit: { maxIterations: 50, maxTotalWaitSeconds: 3600 },
    ...overrides,
  };
}

/** Runs the step once, as a deployment that compiled the plan in; `answers` go to successive calls, the last one repeating. */
export async function runPlan(
  plan: StepPlan,
  answers: Answer | Answer[],
  options: { state?: RunState; secrets?: Record<string, string>; random?: () => number; now?: () => number; executionId?: string } = {},
): Promise<StepRun> {
  const script = Array.isArray(answers) ? answers : [answers];
  const sent: SentRequest[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const fetchScripted = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ method: init?.method ?? 'GET', url: new URL(String(input)), headers: new Headers(init?.headers), body: init?.body as string | undefined });
    const answer = script[Math.min(sent.length - 1, script.length - 1)];
    if ('fails' in answer) throw answer.fails;
    const { status, body, headers = {} } = answer;
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    const contentType: Record<string, string> = typeof body === 'string' || body === undefined ? {} : { 'content-type': 'application/json' };
    return new Response(text, { status, headers: { ...contentType, ...headers } });
  };
  const text = JSON.stringify(plan);
  const state = await runStep(
    { plan: text, state: options.state ?? initialRunState({}), executionId: options.executionId ?? EXECUTION_ID },
    {
      deployed: deployedFor(text),
      secrets: staticSecretSource(options.secrets ?? {}),
      fetch: fetchScripted as typeof fetch,
      random: options.random ?? (() => 0.5),
      log: (entry) => logs.push(entry),
      ...(options.now ? { now: options.now } : {}),
    },
  );
  return { state, sent, logs };
}

/** The JSON cause a failing route leaves in the state. */
export const causeOf = (state: RunState) => JSON.parse(state.control.cause) as { message: string; step: string; statusCode: number | null };
