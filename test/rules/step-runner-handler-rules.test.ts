/**
 * The step runner Lambda's wiring (lambdas/step-runner/handler.ts): a deployment with callbacks (CALLBACK_TABLE and
 * CALLBACK_BASE_URL set) gives the runner a callback issuer, so a step whose plan carries a callback sends a fresh
 * callback URL, its token stored in the table. The handler builds its runner when its module loads, so the test
 * loads that module afresh inside the `it` (a query import: it alone, not the engine).
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { DEPLOYED_PLANS_GLOBAL } from '../../lib/compile/plan-digests.ts';
import { initialRunState, Route, type StepPlan } from '../../lib/compile/step-plan.ts';
import { deployedFor } from '../support/deployed.ts';
import { json, startTestServer } from '../support/http-server.ts';
// Loaded once with the file, so the fresh load inside the test evaluates the handler module alone. Its query is its
// own: mutation runs share one module graph across files (isolate: false), where another file's fresh load is cached.
import '../../lambdas/step-runner/handler.ts';

const CALLBACK_BASE_URL = 'https://hooks.example.test/callbacks';

function submitPlan(baseUrl: string): StepPlan {
  return {
    version: 1,
    workflowId: 'render',
    stepId: 'submit',
    index: 1,
    request: { method: 'POST', url: `${baseUrl}/jobs`, parameters: [], timeoutMs: 2000 },
    successCriteria: [],
    outputs: { jobId: '$response.body#/id' },
    onSuccess: [],
    onFailure: [],
    workflowOutputs: {},
    secretInputs: [],
    callback: { in: 'header', name: 'X-Callback-Url', waitId: 'poll', ttlSeconds: 3600 },
    transientRetry: { budgetSeconds: 60, baseSeconds: 1, maxSeconds: 10, minSeconds: 1 },
    waitPolicy: { kind: 'fixed', seconds: 1 },
    loopLimit: { maxIterations: 10, maxTotalWaitSeconds: 100 },
  };
}

describe('the step runner Lambda', () => {
  it('with CALLBACK_TABLE and CALLBACK_BASE_URL set, sends a step its callback URL and stores the token in that table', async () => {
    const dynamo = mockClient(DynamoDBClient);
    dynamo.on(PutItemCommand).resolves({});
    const server = await startTestServer(json(202, { id: 'job-1' }));
    const lines: string[] = [];
    const consoleLog = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    try {
      vi.stubEnv('CALLBACK_TABLE', 'render-callbacks');
      vi.stubEnv('CALLBACK_BASE_URL', CALLBACK_BASE_URL);
      const plan = submitPlan(server.baseUrl);
      vi.stubGlobal(DEPLOYED_PLANS_GLOBAL, JSON.stringify(deployedFor(plan)));
      const fresh = '../../lambdas/step-runner/handler.ts?fresh-for-the-callback-rule';
      const { handler } = (await import(/* @vite-ignore */ fresh)) as typeof import('../../lambdas/step-runner/handler.ts');
      const next = await handler({ plan: JSON.stringify(plan), state: initialRunState(), executionId: 'exec-cb' });

      expect(next.control.route).toBe(Route.next);
      const sent = server.received.at(-1)?.headers['x-callback-url'];
      expect(sent).toMatch(new RegExp(`^${CALLBACK_BASE_URL}/\\S+$`));
      const put = dynamo.commandCalls(PutItemCommand);
      expect(put).toHaveLength(1);
      expect(put[0]!.args[0].input.TableName).toBe('render-callbacks');
      expect(lines.join('\n')).not.toMatch(/no callback store/);
    } finally {
      consoleLog.mockRestore();
      vi.unstubAllEnvs();
      vi.unstubAllGlobals();
      dynamo.restore();
      await server.close();
    }
  });
});
