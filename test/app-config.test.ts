/**
 * Every name in the deployment settings is checked before anything is synthesized: a misspelt key at any depth
 * of `context.arazzo` (including `httpApi`), a step id in a per-step option, a source description in
 * `serverUrls`. Each message names the setting and lists the valid names.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAppConfig } from '../lib/app-config.ts';
import { shippedConfig } from './support/civitai-stack.ts';
import { civitaiDocument, civitaiOverlay, compileFile, projectRoot } from './support/compile-fixture.ts';

const withSettings = (settings: Record<string, unknown>) => () =>
  readAppConfig((key) => (key === 'arazzo' ? { ...shippedConfig(), ...settings } : undefined));

describe('cdk.json context.arazzo', () => {
  it.each([
    [{ serverUrl: {} }, /context\.arazzo\.serverUrl is not a known setting; known: .*serverUrls/],
    [{ httpApi: { stagename: 'v2' } }, /context\.arazzo\.httpApi\.stagename is not a known setting; known: .*stageName/],
    [{ httpApi: { usagePlan: { throtle: { rateLimit: 1 } } } }, /context\.arazzo\.httpApi\.usagePlan\.throtle is not a known setting; known: throttle, quota/],
    [{ httpApi: { usagePlan: { quota: { limit: 10, period: 'YEAR' } } } }, /httpApi\.usagePlan\.quota\.period must be one of "DAY", "WEEK", "MONTH"/],
    [{ transientRetry: { maxAttempts: 3 } }, /context\.arazzo\.transientRetry\.maxAttempts is not a known setting; known: budgetSeconds, baseSeconds, maxSeconds, minSeconds/],
    [{ loopLimit: { maxIteration: 10 } }, /context\.arazzo\.loopLimit\.maxIteration is not a known setting; known: maxIterations, maxTotalWaitSeconds/],
    [{ idempotency: { submitGeneration: { in: 'body', nam: '/externalId' } } }, /idempotency\.submitGeneration\.nam is not a known setting; known: in, name/],
    [{ requestTimeoutMs: '5000' }, /context\.arazzo\.requestTimeoutMs must be a whole number/],
    [{ includeExecutionData: 'yes' }, /context\.arazzo\.includeExecutionData must be a boolean/],
    [{ kmskey: true }, /context\.arazzo\.kmskey is not a known setting; known: .*includeExecutionData, kmsKey/],
  ])('refuses %j, naming the key and the known ones', (settings, message) => {
    expect(withSettings(settings)).toThrow(message);
  });

  it('accepts the shipped settings, and existingSecret and the opt-in REST API logging kept in cdk.json', () => {
    expect(withSettings({ existingSecret: 'civitai/api-key', httpApi: { cloudWatchRole: true, logging: true, usagePlan: { throttle: { rateLimit: 5, burstLimit: 10 } } } })).not.toThrow();
  });

  it('accepts the opt-ins for execution data in the logs and a customer managed KMS key', () => {
    expect(withSettings({ includeExecutionData: true, kmsKey: true })()).toMatchObject({ includeExecutionData: true, kmsKey: true });
  });
});

describe('names in the settings that the workflow must have', () => {
  const compile = (settings: Record<string, unknown>) => () => compileFile(civitaiDocument, { ...shippedConfig(), ...settings }, civitaiOverlay);

  it.each([
    ['failureEnds', { failureEnds: { pollWorkflows: ['failed'] } }],
    ['idempotency', { idempotency: { submit: { in: 'body', name: '/externalId' } } }],
    ['stepWaitPolicies', { stepWaitPolicies: { poll: { kind: 'fixed', seconds: 5 } } }],
  ])('refuses an unknown step id in %s, listing the steps', (option, settings) => {
    expect(compile(settings)).toThrow(new RegExp(`deployment option ${option}\\.\\w+: names step '\\w+', which the workflow does not have; steps: submitGeneration, pollWorkflow, readOutputs`));
  });

  it('refuses serverUrls for a source description the document does not have, listing the ones it has', () => {
    expect(compile({ serverUrls: { civitai: 'http://127.0.0.1:4010' } })).toThrow(
      /deployment option serverUrls\.civitai: names source description 'civitai', which the document does not have; source descriptions: civitaiOrchestrationApi/,
    );
  });
});

describe('-c variant=<name> (cdk.json context.arazzo.variants)', () => {
  const cdkJson = () => JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context: { arazzo: Record<string, unknown> } };
  const read = (arazzo: Record<string, unknown>, variant?: string) => readAppConfig((key) => (key === 'arazzo' ? arazzo : key === 'variant' ? variant : undefined));

  it('deploys the seed polling document by default, and the Arazzo 1.1 callback document with variant=callback', () => {
    const base = read(cdkJson().context.arazzo);
    expect(base).toMatchObject({ document: 'workflows/arazzo/civitai-image-generation-poll-workflow.yml', overlay: 'workflows/overlays/civitai-overlay.yml', workflowId: 'image-generation-poll' });
    expect(base).not.toHaveProperty('variants');
    const callback = read(cdkJson().context.arazzo, 'callback');
    expect(callback).toMatchObject({
      stackName: 'CivitaiImageGenerationCallback',
      document: 'workflows/arazzo/civitai-image-generation-callback-workflow.yml',
      workflowId: 'image-generation-callback',
      failureEnds: { readOutputs: ['failed'] },
      secretInputs: ['apiKey'],
      idempotency: { submitGeneration: { in: 'body', name: '/externalId' } },
    });
    expect(callback.overlay).toBeUndefined();
    expect(callback).not.toHaveProperty('variants');
  });

  it('refuses a variant cdk.json does not have, listing the ones it has', () => {
    expect(() => read(cdkJson().context.arazzo, 'callbacks')).toThrow('-c variant=callbacks: cdk.json context.arazzo.variants has no such variant; variants: callback');
  });

  it('checks a variant\'s settings like the base ones', () => {
    const arazzo = cdkJson().context.arazzo;
    const variants = arazzo.variants as Record<string, Record<string, unknown>>;
    expect(() => read({ ...arazzo, variants: { callback: { ...variants.callback, documnt: 'x.yml' } } })).toThrow(
      /context\.arazzo\.variants\.callback\.documnt is not a known setting; known: stackName, document/,
    );
  });
});
