import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialRunState, Route, type RunState, type StepPlan } from '../lib/compile/step-plan.ts';
import { secretCacheTtlSeconds, secretSourceFromEnv } from '../lambdas/step-runner/handler.ts';
import { runStep } from '../lib/runtime/run-step.ts';
import { secretsManagerSource, staticSecretSource } from '../lib/runtime/secrets.ts';
import { json, startTestServer, type TestServer } from './support/http-server.ts';
import { deployedFor } from './support/deployed.ts';
import { DEPLOYED_PLANS_GLOBAL } from '../lib/compile/plan-digests.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:deployment-inputs-AbCdEf';
const secretsManager = mockClient(SecretsManagerClient);

beforeEach(() => {
  secretsManager.reset();
});

function clock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  return { now: () => nowMs, advanceSeconds: (seconds: number) => (nowMs += seconds * 1000) };
}

describe('secretsManagerSource', () => {
  it('reads the inputs it is asked for from a JSON object secret', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: '{"token":"t-1","signingKey":"k-1"}' });
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);
    await expect(source.get(['token'])).resolves.toEqual({ token: 't-1' });
    await expect(source.get(['token', 'signingKey'])).resolves.toEqual({ token: 't-1', signingKey: 'k-1' });
  });

  it('takes a plain-string secret as the value of the one secret input', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'plain-token-value' });
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);
    await expect(source.get(['token'])).resolves.toEqual({ token: 'plain-token-value' });
  });

  it('refuses a plain-string secret when two inputs are secret, and says how to store them', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'plain-token-value' });
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);
    const failure = source.get(['token', 'signingKey']);
    await expect(failure).rejects.toThrow(`secret ${SECRET_ARN} holds a plain string, but the secret inputs token, signingKey need one value each`);
    await expect(failure).rejects.not.toThrow('plain-token-value');
  });

  it('names the missing input and the secret, never the values it does hold', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"other":"do-not-print-me"}' });
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);
    const error = await source.get(['token']).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`secret input "token" is not in secret ${SECRET_ARN}; add the key "token" to the secret's JSON object`);
    expect((error as Error).message).not.toContain('do-not-print-me');
  });

  it('reads the secret once within the TTL, and again after it, so a rotated value is picked up', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"token":"before-rotation"}' })
      .resolves({ SecretString: '{"token":"after-rotation"}' });
    const time = clock();
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300, time.now);

    await expect(source.get(['token'])).resolves.toEqual({ token: 'before-rotation' });
    time.advanceSeconds(299);
    await expect(source.get(['token'])).resolves.toEqual({ token: 'before-rotation' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    time.advanceSeconds(1);
    await expect(source.get(['token'])).resolves.toEqual({ token: 'after-rotation' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not call Secrets Manager for a step without secret inputs', async () => {
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);
    await expect(source.get([])).resolves.toEqual({});
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('throws when Secrets Manager cannot be read, naming the secret, and tries again next time', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }))
      .resolves({ SecretString: '{"token":"t-1"}' });
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);

    const failure = source.get(['token']);
    await expect(failure).rejects.toThrow(`cannot read secret ${SECRET_ARN} from Secrets Manager (ResourceNotFoundException`);
    // The error's name is what Step Functions retries: a secret store that cannot be read right now.
    await expect(failure).rejects.toMatchObject({ name: 'Arazzo.SecretUnavailable' });
    await expect(source.get(['token'])).resolves.toEqual({ token: 't-1' });
  });

  it('refuses a binary-only secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    const source = secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300);
    await expect(source.get(['token'])).rejects.toThrow('has no SecretString (binary secrets are not supported)');
    await expect(source.get(['token'])).rejects.toMatchObject({ name: 'Arazzo.SecretMisconfigured' });
  });
});

describe('staticSecretSource', () => {
  it('gives the values it holds and names an input it does not have', async () => {
    const source = staticSecretSource({ token: 'local-token' });
    await expect(source.get(['token'])).resolves.toEqual({ token: 'local-token' });
    await expect(source.get(['apiKey'])).rejects.toThrow('secret input "apiKey" is not in the local secret store');
  });
});

describe('the handler environment', () => {
  it('caches for 300 seconds unless SECRET_CACHE_TTL_SECONDS says otherwise', () => {
    expect(secretCacheTtlSeconds(undefined)).toBe(300);
    expect(secretCacheTtlSeconds('60')).toBe(60);
    expect(secretCacheTtlSeconds('0')).toBe(0);
    expect(() => secretCacheTtlSeconds('five minutes')).toThrow('SECRET_CACHE_TTL_SECONDS is "five minutes"; set it to a whole number of seconds');
  });

  it('without SECRET_ARN fails a step that needs secrets, saying which variable to set', async () => {
    const source = secretSourceFromEnv({}, new SecretsManagerClient({}));
    await expect(source.get(['token'])).rejects.toThrow('SECRET_ARN is not set, but the step needs the secret inputs token');
    await expect(source.get([])).resolves.toEqual({});
  });
});

describe('a step run with the secret from Secrets Manager', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const fetchWidget: StepPlan = {
    version: 1,
    workflowId: 'widgets',
    stepId: 'fetchWidget',
    index: 1,
    request: {
      method: 'GET',
      url: '', // set per test, once the server has a port
      parameters: [{ name: 'Authorization', in: 'header', value: 'Bearer {$inputs.token}' }],
      timeoutMs: 2000,
    },
    successCriteria: [],
    outputs: { name: '$response.body#/name', seenAuth: '$response.body#/auth' },
    onSuccess: [],
    onFailure: [],
    workflowOutputs: { name: '$steps.fetchWidget.outputs.name' },
    secretInputs: ['token'],
    transientRetry: { budgetSeconds: 60, baseSeconds: 1, maxSeconds: 10, minSeconds: 1 },
    waitPolicy: { kind: 'fixed', seconds: 1 },
    loopLimit: { maxIterations: 10, maxTotalWaitSeconds: 100 },
  };
  const state: RunState = initialRunState();

  it.each([
    ['a JSON object secret', '{"token":"sm-json-token-1234"}', 'sm-json-token-1234'],
    ['a plain-string secret', 'sm-plain-token-5678', 'sm-plain-token-5678'],
  ])('sends %s as the Authorization header and leaves it out of the state and the log', async (_form, secretString, token) => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    server.respondWith((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'sprocket', auth: request.headers.authorization }));
    });
    const logs: Array<Record<string, unknown>> = [];
    const plan = { ...fetchWidget, request: { ...fetchWidget.request, url: `${server.baseUrl}/widgets/1` } };
    const next = await runStep(
      { plan: JSON.stringify(plan), state, executionId: 'exec-1' },
      {
        deployed: deployedFor(plan),
        secrets: secretsManagerSource(new SecretsManagerClient({}), SECRET_ARN, 300),
        fetch: globalThis.fetch,
        random: () => 0.5,
        log: (entry) => logs.push(entry),
      },
    );

    expect(server.received.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
    expect(next.control.route).toBe(Route.next);
    expect(next.steps.fetchWidget).toEqual({ name: 'sprocket', seenAuth: 'Bearer [redacted]' });
    expect(JSON.stringify(next)).not.toContain(token);
    expect(JSON.stringify(logs)).not.toContain(token);
  });

  it('through the Lambda handler, wired from SECRET_ARN, logging one JSON line without the secret', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: '{"token":"handler-token-9999"}' });
    server.respondWith(json(200, { name: 'sprocket' }));
    const lines: string[] = [];
    const consoleLog = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    vi.stubEnv('SECRET_ARN', SECRET_ARN);
    const plan = { ...fetchWidget, request: { ...fetchWidget.request, url: `${server.baseUrl}/widgets/1` } };
    // What the construct's bundling bakes in (esbuild define); a bundle without it runs no plan at all.
    vi.stubGlobal(DEPLOYED_PLANS_GLOBAL, JSON.stringify(deployedFor(plan)));
    try {
      // The handler builds its runner when its module loads, so it is loaded afresh (a query makes it a module of its own),
      // but only it: vi.resetModules() would load the whole engine again inside this test, crediting every module-level
      // line to it, and Stryker would then test those lines' mutants with it instead of leaving them as static.
      const fresh = '../lambdas/step-runner/handler.ts?fresh-for-this-test';
      const { handler } = (await import(/* @vite-ignore */ fresh)) as typeof import('../lambdas/step-runner/handler.ts');
      const next = await handler({ plan: JSON.stringify(plan), state, executionId: 'exec-2' });

      expect(next.control.route).toBe(Route.next);
      expect(server.received.at(-1)?.headers.authorization).toBe('Bearer handler-token-9999');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({ stepId: 'fetchWidget', route: 'next', statusCode: 200 });
      expect(lines[0]).not.toContain('handler-token-9999');
    } finally {
      consoleLog.mockRestore();
      vi.unstubAllEnvs();
      vi.unstubAllGlobals();
    }
  });
});
