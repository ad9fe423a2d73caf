/**
 * A one-step plan for attack tests, written the way the compiler would emit it: a call carrying the secret
 * input `token` as a bearer token, run as a deployment that compiled it in.
 */
import { initialRunState, type RunState, type StepPlan } from '../../lib/compile/step-plan.ts';
import { runStep, type StepRunnerDeps } from '../../lib/runtime/run-step.ts';
import { staticSecretSource } from '../../lib/runtime/secrets.ts';
import { deployedFor } from './deployed.ts';

export const SECRET_TOKEN = 'tok-9c2e71d4-attack-test-secret';

export function securityPlan(method: string, url: string, overrides: Partial<StepPlan> = {}, request: Partial<StepPlan['request']> = {}): StepPlan {
  return {
    version: 1,
    workflowId: 'attack',
    stepId: 'call',
    index: 1,
    request: {
      method,
      url,
      parameters: [{ name: 'Authorization', in: 'header', value: 'Bearer {$inputs.token}' }],
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: { contentType: 'application/json', payload: { name: 'job' } } }),
      timeoutMs: 5000,
      ...request,
    },
    successCriteria: [],
    outputs: { id: '$response.body#/id' },
    onSuccess: [],
    onFailure: [],
    workflowOutputs: {},
    secretInputs: ['token'],
    transientRetry: { maxAttempts: 3, baseSeconds: 1, maxSeconds: 10 },
    waitPolicy: { kind: 'fixed', seconds: 5 },
    loopLimit: { maxIterations: 50, maxTotalWaitSeconds: 3600 },
    ...overrides,
  };
}

export interface SecurityRun {
  state: RunState;
  logs: Array<Record<string, unknown>>;
}

export async function runDeployed(
  plan: StepPlan,
  options: { state?: RunState; executionId?: string; executionStartTime?: string; deps?: Partial<StepRunnerDeps> } = {},
): Promise<SecurityRun> {
  const text = JSON.stringify(plan);
  const logs: Array<Record<string, unknown>> = [];
  const state = await runStep(
    {
      plan: text,
      state: options.state ?? initialRunState({}),
      executionId: options.executionId ?? 'arn:aws:states:us-east-1:111122223333:execution:attack:run-1',
      ...(options.executionStartTime ? { executionStartTime: options.executionStartTime } : {}),
    },
    {
      deployed: deployedFor(text),
      secrets: staticSecretSource({ token: SECRET_TOKEN }),
      fetch: globalThis.fetch,
      random: () => 0.5,
      log: (entry) => logs.push(entry),
      ...options.deps,
    },
  );
  return { state, logs };
}

export const causeMessage = (state: RunState) => (JSON.parse(state.control.cause || '{}') as { message?: string }).message ?? '';
