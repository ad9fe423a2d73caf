/**
 * The step runner's refusals and the secret store's errors, stated through `runStep` and the secret sources:
 * what is refused, under which error name, and what the message says.
 */
import { describe, expect, it } from 'vitest';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Errors, initialRunState } from '../../lib/compile/step-plan.ts';
import { planDigest } from '../../lib/compile/plan-digests.ts';
import { runStep, type StepRunnerDeps } from '../../lib/runtime/run-step.ts';
import { secretsManagerSource, staticSecretSource } from '../../lib/runtime/secrets.ts';
import { action, runPlan, stepPlan } from './step-harness.ts';

function deps(deployed: StepRunnerDeps['deployed'], fetched: string[]): StepRunnerDeps {
  return {
    deployed,
    secrets: staticSecretSource({}),
    fetch: ((url: string) => {
      fetched.push(url);
      return Promise.resolve(new Response(null, { status: 200 }));
    }) as typeof fetch,
    random: () => 0.5,
    log: () => undefined,
  };
}

describe('the step runner refuses', () => {
  const text = JSON.stringify(stepPlan());

  it('a plan that is not text, by name, without reading it', async () => {
    const fetched: string[] = [];
    const event = { plan: JSON.parse(text) as unknown as string, state: initialRunState(), executionId: 'e' };
    await expect(runStep(event, deps({ digests: [planDigest(text)], origins: ['https://api.test'] }, fetched))).rejects.toMatchObject({
      name: Errors.planNotDeployed,
      message: 'event.plan is not a string; the step runner runs only the plans its deployment compiled in',
    });
    expect(fetched).toEqual([]);
  });

  it('a plan whose digest the deployment does not list, naming the digest and why an old run might send one', async () => {
    const fetched: string[] = [];
    const refusal = runStep({ plan: text, state: initialRunState(), executionId: 'e' }, deps({ digests: [], origins: ['https://api.test'] }, fetched));
    await expect(refusal).rejects.toMatchObject({ name: Errors.planNotDeployed });
    await expect(refusal).rejects.toThrow(
      `refused a plan that this deployment did not compile in (sha256 ${planDigest(text)}); the step runner runs only the plans of the state machines deployed with it. If this is a run started before a deploy, it invokes the version it started with`,
    );
    expect(fetched).toEqual([]);
  });

  it('a request to an origin the deployment does not call, listing the ones it does, or "none"', async () => {
    const fetched: string[] = [];
    const deployed = (origins: string[]) => deps({ digests: [planDigest(text)], origins }, fetched);
    await expect(runStep({ plan: text, state: initialRunState(), executionId: 'e' }, deployed([]))).rejects.toThrow(
      'refused a request to https://api.test, an origin this deployment did not compile in (it calls none)',
    );
    await expect(runStep({ plan: text, state: initialRunState(), executionId: 'e' }, deployed(['https://a.test', 'https://b.test']))).rejects.toThrow(
      '(it calls https://a.test, https://b.test)',
    );
    expect(fetched).toEqual([]);
  });
});

describe('an Arazzo retry count', () => {
  it('limits only retry actions: a step that has retried still takes its end failure action', async () => {
    const state = initialRunState();
    state.control.attempts = { poll: { transient: 0, retries: 3, loops: 0 } };
    const { state: after } = await runPlan(stepPlan({ onFailure: [action('giveUp', 'end')] }), { status: 404 }, { state });
    expect(after.control.route).toBe('giveUp');
  });
});

describe('a secret store that cannot be read', () => {
  it('throws Arazzo.SecretUnavailable, keeping the SDK error as the cause; a misconfigured secret has no cause', async () => {
    const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    const failing = { send: () => Promise.reject(denied) } as unknown as SecretsManagerClient;
    const error = await secretsManagerSource(failing, 'arn:secret', 300).get(['apiKey']).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: Errors.secretUnavailable, cause: denied });
    expect(error.message).toContain('(AccessDeniedException: User is not authorized)');
    const missing = await staticSecretSource({}).get(['apiKey']).catch((e: unknown) => e as Error);
    expect(missing).toMatchObject({ name: Errors.secretMisconfigured });
    expect(Object.hasOwn(missing, 'cause')).toBe(false);
  });
});
