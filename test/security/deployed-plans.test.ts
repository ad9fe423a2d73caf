/**
 * The allow-list a deployment bakes into its step runner: every Task's plan digest and the origins they call,
 * across any number of definitions; and the runner's refusals, which Step Functions never retries.
 */
import { describe, expect, it } from 'vitest';
import type { AslDefinition, AslState } from '../../lib/compile/asl.ts';
import { DEPLOYED_PLANS_GLOBAL, deployedPlans, deployedPlansDefine, parseDeployedPlans, planDigest } from '../../lib/compile/plan-digests.ts';
import { Errors, initialRunState, type StepPlan } from '../../lib/compile/step-plan.ts';
import { runStep } from '../../lib/runtime/run-step.ts';
import { staticSecretSource } from '../../lib/runtime/secrets.ts';
import { compileFile, fixture } from '../support/compile-fixture.ts';

const shop = compileFile(fixture('shop-order.arazzo.yml'), { secretInputs: ['token'], serverUrls: { shop: 'https://shop.example.com/v1' } });
const taskPlans = (definition: AslDefinition) =>
  Object.values(definition.States).flatMap((s) => (s.Type === 'Task' ? [(s.Parameters.Payload as { plan: string }).plan] : []));

describe('deployedPlans', () => {
  it('lists the sha256 of every Task plan text and the origin each calls', () => {
    const plans = taskPlans(shop.definition);
    const deployed = deployedPlans([shop.definition]);
    expect(plans).toHaveLength(3);
    expect(deployed.digests).toEqual(plans.map(planDigest).sort());
    expect(deployed.digests.every((d) => /^[0-9a-f]{64}$/.test(d))).toBe(true);
    expect(deployed.origins).toEqual(['https://shop.example.com']);
  });

  it('takes any number of definitions, and finds Tasks inside Parallel branches and Map processors', () => {
    const other = compileFile(fixture('shop-order.arazzo.yml'), { secretInputs: ['token'], serverUrls: { shop: 'http://127.0.0.1:8080' } });
    const nested: AslDefinition = {
      StartAt: 'fan',
      States: {
        fan: { Type: 'Parallel', Branches: [{ StartAt: 'x', States: other.definition.States }], End: true } as unknown as AslState,
        each: { Type: 'Map', ItemProcessor: { StartAt: 'x', States: shop.definition.States }, End: true } as unknown as AslState,
      },
    };
    const deployed = deployedPlans([nested]);
    expect(deployed.digests).toHaveLength(6);
    expect(deployed.origins).toEqual(['http://127.0.0.1:8080', 'https://shop.example.com']);
    expect(deployedPlans([shop.definition, other.definition])).toEqual(deployed);
  });

  it('round-trips through the esbuild define the construct bundles with, and anything unreadable allows nothing', () => {
    const deployed = deployedPlans([shop.definition]);
    const define = deployedPlansDefine(deployed);
    expect(Object.keys(define)).toEqual([DEPLOYED_PLANS_GLOBAL]);
    expect(parseDeployedPlans(JSON.parse(define[DEPLOYED_PLANS_GLOBAL]) as string)).toEqual(deployed);
    expect(parseDeployedPlans(undefined)).toEqual({ digests: [], origins: [] });
    expect(parseDeployedPlans('{not json')).toEqual({ digests: [], origins: [] });
  });

  it('refuses at synth a set too large for the bundling command line, saying what to do', () => {
    const many = { digests: Array.from({ length: 2000 }, (_, i) => planDigest(String(i))), origins: [] };
    expect(() => deployedPlansDefine(many)).toThrow(/2000 plan digests .* split the workflows over more constructs/);
  });
});

describe('the compiled Task', () => {
  it('never retries Arazzo.PlanNotDeployed: no retrier matches it or States.ALL', () => {
    for (const state of Object.values(shop.definition.States)) {
      if (state.Type !== 'Task') continue;
      const matched = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(matched).not.toContain(Errors.planNotDeployed);
      expect(matched).not.toContain('States.ALL');
    }
  });
});

describe('the step runner, given a deployed plan whose request would leave the deployed origins', () => {
  it('refuses it by name before any request, after logging the refusal', async () => {
    const text = taskPlans(shop.definition)[0];
    const plan = JSON.parse(text) as StepPlan;
    const logs: Array<Record<string, unknown>> = [];
    let fetched = 0;
    const refused = runStep(
      { plan: text, state: initialRunState({ item: 'A-1' }), executionId: 'exec' },
      {
        deployed: { digests: [planDigest(text)], origins: ['https://elsewhere.example.com'] },
        secrets: staticSecretSource({ token: 't' }),
        fetch: (() => {
          fetched += 1;
          return Promise.reject(new Error('no request may be made'));
        }) as typeof fetch,
        random: () => 0.5,
        log: (entry) => logs.push(entry),
      },
    );
    await expect(refused).rejects.toMatchObject({ name: Errors.planNotDeployed, message: expect.stringContaining('https://shop.example.com') });
    expect(fetched).toBe(0);
    expect(plan.request.url.startsWith('https://shop.example.com')).toBe(true);
    expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', error: Errors.planNotDeployed })]);
  });
});
