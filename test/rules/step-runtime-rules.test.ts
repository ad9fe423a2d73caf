/**
 * Rules of the step runtime that no other test reaches: a step runner without a callback store or with one that
 * fails, the join of a Parallel's branches, a run state or a cause that grows too large, XPath replacements, an
 * answer with no content type, a secret of the wrong type, and the origin check of a request URL. Observed through
 * `runStep` (or the module's own exported function where the step runner cannot reach the case), built inside
 * each test.
 */
import { describe, expect, it } from 'vitest';
import { Errors, initialRunState, Route, type BranchResult, type RunState, type StepPlan } from '../../lib/compile/step-plan.ts';
import type { CallbackIssuer } from '../../lib/runtime/callbacks/issuer.ts';
import { checkDeployedOrigin } from '../../lib/runtime/deployed-plan.ts';
import { mayHaveActed, Refusals } from '../../lib/runtime/http.ts';
import { MAX_STATE_BYTES, runStep } from '../../lib/runtime/run-step.ts';
import { staticSecretSource } from '../../lib/runtime/secrets.ts';
import { deployedFor } from '../support/deployed.ts';
import { causeOf, EXECUTION_ID, runPlan, stepPlan } from './step-harness.ts';

interface Sent {
  url: URL;
  headers: Headers;
  body: string | undefined;
}

/** Runs `plan` once with these deps; the fetch answers 200 with no body unless told otherwise. */
async function run(
  plan: StepPlan,
  options: { state?: RunState; callbacks?: CallbackIssuer; answer?: () => Response; secrets?: Record<string, unknown> } = {},
): Promise<{ state: RunState; sent: Sent[]; logs: Array<Record<string, unknown>> }> {
  const sent: Sent[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const fetchRecorded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: new URL(String(input)), headers: new Headers(init?.headers), body: init?.body as string | undefined });
    return options.answer?.() ?? new Response(null, { status: 200 });
  };
  const text = JSON.stringify(plan);
  const state = await runStep(
    { plan: text, state: options.state ?? initialRunState({}), executionId: EXECUTION_ID },
    {
      deployed: deployedFor(text),
      secrets: staticSecretSource(options.secrets ?? {}),
      fetch: fetchRecorded as typeof fetch,
      random: () => 0.5,
      log: (entry) => logs.push(entry),
      ...(options.callbacks ? { callbacks: options.callbacks } : {}),
    },
  );
  return { state, sent, logs };
}

const withCallback = () => stepPlan({ callback: { in: 'header', name: 'X-Callback-Url', waitId: 'poll', ttlSeconds: 600 } });

describe('a step whose request carries a callback URL', () => {
  /** Runs the step: the request goes out and the run moves on, with the URL or without it. */
  const send = async (callbacks?: CallbackIssuer) => {
    const { state, sent, logs } = await run(withCallback(), callbacks ? { callbacks } : {});
    expect(state.control.route).toBe(Route.next);
    return { header: sent[0].headers.get('x-callback-url'), warnings: logs.filter((entry) => entry.level === 'WARN') };
  };
  const warning = (message: string) => ({ level: 'WARN', message, stepId: 'poll' });

  it('on a step runner with no callback store is sent without one, with a warning that the run relies on its fallback poll', async () => {
    expect(await send()).toEqual({
      header: null,
      warnings: [warning('step poll: this step runner has no callback store, so the request carries no callback URL; the run relies on its fallback poll')],
    });
  });

  it('is sent without one when the store cannot register the token, with a warning naming the error (never its message)', async () => {
    const working: CallbackIssuer = { issue: async () => ({ url: 'https://hooks.test/callbacks/t0ken', token: 't0ken' }) };
    expect(await send(working)).toEqual({ header: 'https://hooks.test/callbacks/t0ken', warnings: [] });
    const unwritable: CallbackIssuer = {
      issue: () => Promise.reject(Object.assign(new Error('table arn:aws:dynamodb:secret-ish not found'), { name: 'ResourceNotFoundException' })),
    };
    expect(await send(unwritable)).toEqual({
      header: null,
      warnings: [warning('step poll: no callback URL this time (ResourceNotFoundException); the run relies on its fallback poll')],
    });
  });
});

describe('the join after a Parallel', () => {
  const joinPlan = (branches: string[][]) => stepPlan({ stepId: 'together', join: { branches } });
  const branch = (state: RunState, steps: BranchResult['steps'], loops: Partial<RunState['control']> = {}): BranchResult => ({
    steps,
    control: { ...state.control, ...loops },
  });

  it('refuses a state.join that does not hold one result per branch: the definition and the step runner do not match', async () => {
    const before = initialRunState({});
    await expect(run(joinPlan([['a'], ['b']]), { state: { ...before, join: [branch(before, { a: {} })] } })).rejects.toThrow(
      'join together expected 2 branch results in state.join, found 1; the definition and the step runner do not match',
    );
    await expect(run(joinPlan([['a'], ['b']]), { state: before })).rejects.toThrow(
      'join together expected 2 branch results in state.join, found 0; the definition and the step runner do not match',
    );
  });

  it('fails the run when the branches together waited longer than loopLimit.maxTotalWaitSeconds, though each stayed under it', async () => {
    const plan = { ...joinPlan([['a'], ['b']]), loopLimit: { maxIterations: 50, maxTotalWaitSeconds: 100 } };
    const before = initialRunState({});
    const { state } = await run(plan, {
      state: { ...before, join: [branch(before, { a: {} }, { totalWaitSeconds: 60 }), branch(before, { b: {} }, { totalWaitSeconds: 70 })] },
    });
    expect(state.control.route).toBe(Route.loopLimitExceeded);
    expect(causeOf(state).message).toBe('together: loop limit exceeded: the branches waited 130 s together, over loopLimit.maxTotalWaitSeconds (100)');
  });

  it("that would pass the state budget fails, naming the branches' steps and their largest outputs (a step that left none is skipped)", async () => {
    const before = initialRunState({});
    const big = 'R'.repeat(120 * 1024);
    const { state } = await run(joinPlan([['a', 'b'], ['c']]), {
      state: { ...before, join: [branch(before, { a: { blob: big, id: 7 }, b: { note: 'x'.repeat(5 * 1024) } }), branch(before, { c: { blob: big } })] },
    });
    expect(state.control.route).toBe(Route.stepFailed);
    expect(causeOf(state).message).toMatch(
      /^the joined outputs of a, b, c make the run state \d+ KiB, over the 200 KiB budget this runner allows \(Step Functions stops a run at 256 KiB\); largest outputs: a\.blob \(121 KiB\), c\.blob \(121 KiB\), b\.note \(6 KiB\); select less of the response$/,
    );

    const oneMissing = await run(joinPlan([['a'], ['c']]), { state: { ...before, join: [branch(before, { a: { blob: big, other: big } }), branch(before, {})] } });
    expect(causeOf(oneMissing.state).message).toMatch(/largest outputs: a\.blob \(121 KiB\), a\.other \(121 KiB\); select less of the response$/);
  });
});

describe('a step with side effects and no room left in the run state', () => {
  it('says "largest inputs: none" when the state is full of earlier outputs rather than inputs', async () => {
    const before: RunState = { ...initialRunState({}), steps: { earlier: { blob: 'E'.repeat(MAX_STATE_BYTES - 8 * 1024) } } };
    const { state, sent } = await run(stepPlan({ request: { method: 'POST', url: 'https://api.test/jobs', parameters: [], timeoutMs: 1000 } }), { state: before });
    expect(sent).toEqual([]);
    expect(causeOf(state).message).toMatch(/; largest inputs: none; give the inputs a maxLength or send less$/);
  });
});

describe('the first step of a run', () => {
  it('with no input schema in its plan takes the inputs it is given', async () => {
    const { state, sent } = await run(stepPlan({ index: 0 }), { state: initialRunState({ anything: 'goes' }) });
    expect(state.control.route).toBe(Route.next);
    expect(sent).toHaveLength(1);
  });
});

describe('the cause of a failed run, when it is large', () => {
  it('thrown for a spent outage budget fits 16,384 characters: the steps\' outputs are left out, saying why', async () => {
    const plan = stepPlan({ transientRetry: { budgetSeconds: 0, baseSeconds: 1, maxSeconds: 1, minSeconds: 1 } });
    const before: RunState = { ...initialRunState({}), steps: { earlier: { blob: 'E'.repeat(20_000) } } };
    const thrown = await runPlan(plan, { status: 503 }, { state: before }).then(() => undefined, (error: unknown) => error as Error);
    expect(thrown?.name).toBe(Errors.outageBudgetSpent);
    expect(thrown!.message.length).toBeLessThanOrEqual(16_384);
    const cause = JSON.parse(thrown!.message) as { steps: unknown; outage: unknown };
    expect(cause.steps).toBe("omitted: the cause would exceed 16384 characters (a thrown cause is escaped again inside Lambda's error)");
    expect(cause.outage).toBeDefined();
  });

  it('whose message alone is too long keeps the message\'s first 30,768 characters, the step and the status code', async () => {
    const name = 'n'.repeat(40_000);
    const plan = stepPlan({ index: 0, secretInputs: [name] });
    const { state } = await run(plan, { state: initialRunState({ [name]: 'leaked' }) });
    const message = `invalid workflow inputs: ${name}: is a secret input and must not be in the run's input (the execution history keeps it); put it in the secret`;
    expect(state.control.route).toBe(Route.invalidInputs);
    expect(state.control.cause.length).toBeLessThanOrEqual(32_768);
    expect(JSON.parse(state.control.cause)).toEqual({ message: message.slice(0, 32_768 - 2_000), step: 'poll', statusCode: null });
  });

  it('fits however many characters of the message JSON escapes (quotes, backslashes, control characters in an input\'s name): the message is cut by its escaped length', async () => {
    const name = '"\\\u0001'.repeat(4_000);
    const plan = stepPlan({ index: 0, inputSchema: { type: 'object', additionalProperties: false } });
    const { state } = await run(plan, { state: initialRunState({ [name]: 1 }) });
    const full = `invalid workflow inputs: ${name}: is not a declared input`;
    expect(state.control.route).toBe(Route.invalidInputs);
    expect(state.control.cause.length).toBeLessThanOrEqual(32_768);
    const { message } = causeOf(state);
    expect(full.startsWith(message)).toBe(true);
    // As much of the message as fits in 30,768 escaped characters.
    const escaped = (text: string) => JSON.stringify(text).length - 2;
    expect(escaped(message)).toBeLessThanOrEqual(30_768);
    expect(escaped(full.slice(0, message.length + 1))).toBeGreaterThan(30_768);
  });
});

describe('an XPath replacement in an XML request body', () => {
  const xmlPlan = (payload: unknown, target: string, value: unknown) =>
    stepPlan({ request: { method: 'GET', url: 'https://api.test/jobs/1', parameters: [], timeoutMs: 1000, body: { contentType: 'application/xml', payload, replacements: [{ target, value }] } } });

  it('writes the resolved value, or empties the node when the value resolves to nothing', async () => {
    const given = await run(xmlPlan('<order><status>draft</status></order>', '/order/status', '$inputs.status'), { state: initialRunState({ status: 'placed' }) });
    expect(given.sent[0].body).toBe('<order><status>placed</status></order>');
    const missing = await run(xmlPlan('<order><status>draft</status></order>', '/order/status', '$inputs.status'));
    expect(missing.sent[0].body).toBe('<order><status></status></order>');
  });

  it('fails the step, naming the replacement, when the payload is not XML text or the target selects nothing', async () => {
    const notText = await run(xmlPlan({ order: 1 }, '/order', 'x'));
    expect(notText.sent).toEqual([]);
    expect(notText.state.control.route).toBe(Route.stepFailed);
    expect(causeOf(notText.state).message).toBe('step poll cannot build its request: requestBody.replacements[0].target: an XPath target needs an XML payload (text)');

    const nothing = await run(xmlPlan('<order/>', '/order/missing', 'x'));
    expect(nothing.sent).toEqual([]);
    expect(nothing.state.control.route).toBe(Route.stepFailed);
    expect(causeOf(nothing.state).message).toBe(
      'step poll cannot build its request: requestBody.replacements[0].target: "/order/missing" selects no node of the XML payload',
    );
  });
});

describe('an answer without a content type', () => {
  it('whose body is not JSON is kept as text, not taken for malformed JSON', async () => {
    const plan = stepPlan({ outputs: { text: '$response.body' } });
    const { state } = await run(plan, { answer: () => new Response(new TextEncoder().encode('plain words'), { status: 200 }) });
    expect(state.control.route).toBe(Route.next);
    expect(state.steps.poll).toEqual({ text: 'plain words' });
  });
});

describe('a secret value that is not a string', () => {
  it('is refused, naming its type', async () => {
    const plan = stepPlan({ secretInputs: ['apiKey'] });
    await expect(run(plan, { secrets: { apiKey: 42 } })).rejects.toThrow(
      'secret input "apiKey" in the local secret store is a number, not a string; store it as a JSON string (in quotes)',
    );
  });
});

describe('the origin check of a request', () => {
  it('refuses a URL that is not absolute as one the deployment did not compile in', () => {
    expect(() => checkDeployedOrigin('/jobs/1', { digests: [], origins: ['https://api.test'] })).toThrow(
      expect.objectContaining({ name: Errors.planNotDeployed, message: 'the request URL is not an absolute URL; the step runner calls only the origins its deployment compiled in' }),
    );
  });
});

describe('the origins a deployment calls', () => {
  it('are http(s) only: the opaque origin "null" a join plan adds to the list lets no other scheme through', () => {
    const join = stepPlan({ stepId: 'together', join: { branches: [] }, request: { method: 'JOIN', url: 'join:branches', parameters: [], timeoutMs: 1000 } });
    const deployed = deployedFor(join, stepPlan(), stepPlan({ request: { method: 'GET', url: 'http://127.0.0.1:8080/jobs', parameters: [], timeoutMs: 1000 } }));
    expect(deployed.origins).toContain('null');
    for (const url of ['data:text/plain,hello', 'file:///etc/hostname']) {
      expect(() => checkDeployedOrigin(url, deployed)).toThrow(
        expect.objectContaining({ name: Errors.planNotDeployed, message: `refused a request to a ${new URL(url).protocol} URL; the step runner calls only the http(s) origins its deployment compiled in` }),
      );
    }
    expect(() => checkDeployedOrigin('https://api.test/jobs/1', deployed)).not.toThrow();
    expect(() => checkDeployedOrigin('http://127.0.0.1:8080/jobs', deployed)).not.toThrow();
  });
});

describe('an answer the runner refused', () => {
  it('may have been acted on: the server answered, whatever it was', () => {
    expect(mayHaveActed({ kind: 'refused', refusal: Refusals.responseTooLarge, detail: 'HTTP 200 with a body over 10 bytes', status: 503 })).toBe(true);
  });
});

describe('a step output that cannot be evaluated', () => {
  it('is null, and the step goes on', async () => {
    const { state } = await run(stepPlan({ outputs: { broken: '$nonsense', fine: '$statusCode' } }));
    expect(state.control.route).toBe(Route.next);
    expect(state.steps.poll).toEqual({ broken: null, fine: 200 });
  });
});
