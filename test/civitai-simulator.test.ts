import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../local/clock.ts';
import { CivitaiSimulator, CLOCK_HEADER, type CivitaiSimulatorOptions } from '../local/civitai-simulator.ts';
import { randomFaults, scheduledFaults, type FaultContext } from '../local/civitai-simulator-faults.ts';
import { outageWindow, parseOutageFlag } from '../local/civitai-simulator-outages.ts';
import type { SimulatedWorkflowDocument, TerminalStatus } from '../local/civitai-simulator-jobs.ts';

const TOKEN = 'test-token';
const PHASES = { unassigned: 1_000, preparing: 2_000, scheduled: 3_000, processing: 4_000 };
const TOTAL_MS = 10_000;

const running: CivitaiSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

async function startSimulator(options: CivitaiSimulatorOptions = {}): Promise<{ sim: CivitaiSimulator; base: string; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const sim = new CivitaiSimulator({ clock, jobPlan: { phaseMs: PHASES }, ...options });
  running.push(sim);
  const base = await sim.start();
  return { sim, base, clock };
}

function template(overrides: { prompt?: string; quantity?: number; externalId?: string } = {}): Record<string, unknown> {
  return {
    ...(overrides.externalId !== undefined ? { externalId: overrides.externalId } : {}),
    steps: [
      {
        $type: 'imageGen',
        name: 'generate',
        input: { engine: 'sdxl', prompt: overrides.prompt ?? 'a lighthouse at dusk', negativePrompt: null, quantity: overrides.quantity ?? null },
      },
    ],
  };
}

function submit(base: string, body: unknown, init: { token?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  const token = init.token === undefined ? TOKEN : init.token;
  return fetch(`${base}/v2/consumer/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...init.headers },
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

function get(base: string, id: string, token: string = TOKEN): Promise<Response> {
  return fetch(`${base}/v2/consumer/workflows/${id}`, { headers: { authorization: `Bearer ${token}` } });
}

async function submitOk(base: string, body: unknown = template(), headers: Record<string, string> = {}): Promise<SimulatedWorkflowDocument> {
  const res = await submit(base, body, { headers });
  expect(res.status).toBe(202);
  return (await res.json()) as SimulatedWorkflowDocument;
}

async function read(base: string, id: string): Promise<SimulatedWorkflowDocument> {
  const res = await get(base, id);
  expect(res.status).toBe(200);
  return (await res.json()) as SimulatedWorkflowDocument;
}

describe('authentication', () => {
  it('refuses a submit without a bearer token with a 401 problem that names the header', async () => {
    const { sim, base } = await startSimulator();
    const res = await submit(base, template(), { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { status: number; detail: string };
    expect(body.status).toBe(401);
    expect(body.detail).toContain('Authorization: Bearer');
    expect(sim.counters().jobsCreated).toBe(0);
  });

  it('refuses a token other than the configured one, accepts the configured one, and never echoes either', async () => {
    const { base } = await startSimulator({ expectedToken: 'the-right-key' });
    const wrong = await submit(base, template(), { token: 'the-wrong-key' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('the-wrong-key');
    expect((await submit(base, template(), { token: 'the-right-key' })).status).toBe(202);
  });

  it('refuses a poll without a token, and hides a workflow from another token', async () => {
    const { base } = await startSimulator();
    const created = await submitOk(base);
    const anonymous = await fetch(`${base}/v2/consumer/workflows/${created.id}`);
    expect(anonymous.status).toBe(401);
    expect((await get(base, created.id!, 'someone-else')).status).toBe(404);
  });
});

describe('submitWorkflow', () => {
  it('answers 202 by default with a new id, status unassigned and a cost', async () => {
    const { base } = await startSimulator();
    const first = await submitOk(base);
    const second = await submitOk(base);
    expect(first.id).toMatch(/\S/);
    expect(second.id).not.toBe(first.id);
    expect(first.status).toBe('unassigned');
    expect(first.cost.total).toBeGreaterThan(0);
  });

  it('answers 200 when configured to', async () => {
    const { base } = await startSimulator({ submitStatus: 200 });
    expect((await submit(base, template())).status).toBe(200);
  });

  it('returns the existing workflow for a repeated externalId and creates no second job', async () => {
    const { sim, base } = await startSimulator();
    const first = await submitOk(base, template({ externalId: 'run-1' }));
    const again = await submitOk(base, template({ externalId: 'run-1' }));
    expect(again.id).toBe(first.id);
    expect(again.externalId).toBe('run-1');
    expect(sim.counters().jobsCreated).toBe(1);
    expect(sim.workflow(first.id!)?.submits).toBe(2);
  });

  it.each([
    ['a step that is not imageGen', { steps: [{ $type: 'textToImage', input: { engine: 'sdxl', prompt: 'x' } }] }, 'steps[0].$type'],
    ['no prompt', { steps: [{ $type: 'imageGen', input: { engine: 'sdxl' } }] }, 'steps[0].input.prompt'],
    ['no steps', { steps: [] }, 'steps'],
    ['an externalId the real API refuses', { ...template(), externalId: 'arn:aws:states:exec/1' }, 'externalId'],
    ['a quantity above 10', template({ quantity: 11 }), 'steps[0].input.quantity'],
  ])('refuses %s with a 400 naming the field', async (_, body, field) => {
    const { sim, base } = await startSimulator();
    const res = await submit(base, body);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { detail: string; errors: Record<string, string[]> };
    expect(Object.keys(problem.errors)).toEqual([field]);
    expect(problem.detail.startsWith(`${field}:`)).toBe(true);
    expect(sim.counters().jobsCreated).toBe(0);
  });
});

describe('status over virtual time', () => {
  it('moves unassigned, preparing, scheduled, processing, succeeded as the clock advances', async () => {
    const { base, clock } = await startSimulator();
    const { id } = await submitOk(base);
    const seen: string[] = [];
    for (const step of [0, PHASES.unassigned, PHASES.preparing, PHASES.scheduled, PHASES.processing]) {
      clock.advance(step);
      const workflow = await read(base, id!);
      expect(workflow.steps[0]!.status).toBe(workflow.status);
      expect(workflow.steps[0]!.jobs[0]!.status).toBe(workflow.status);
      seen.push(workflow.status);
    }
    expect(seen).toEqual(['unassigned', 'preparing', 'scheduled', 'processing', 'succeeded']);
  });

  it('skips a phase whose duration is 0', async () => {
    const { base, clock } = await startSimulator({ jobPlan: { phaseMs: { ...PHASES, scheduled: 0 } } });
    const { id } = await submitOk(base);
    clock.advance(PHASES.unassigned + PHASES.preparing);
    expect((await read(base, id!)).status).toBe('processing');
  });

  it.each<TerminalStatus>(['succeeded', 'failed', 'expired', 'canceled'])('ends %s when the plan says so, with completedAt', async (outcome) => {
    const { base, clock } = await startSimulator({ planFor: (body) => (JSON.stringify(body).includes('doomed') ? { outcome } : undefined) });
    const { id } = await submitOk(base, template({ prompt: 'doomed prompt' }));
    const control = await submitOk(base, template({ prompt: 'fine prompt' }));
    clock.advance(TOTAL_MS - 1);
    expect((await read(base, id!)).status).toBe('processing');
    clock.advance(1);
    const done = await read(base, id!);
    expect(done.status).toBe(outcome);
    expect(done.completedAt).toBe(new Date(clock.now()).toISOString());
    expect((await read(base, control.id!)).status).toBe('succeeded');
    if (outcome !== 'succeeded') expect(done.steps[0]!.output?.images ?? []).toEqual([]);
    if (outcome === 'failed') expect(done.steps[0]!.output?.errors?.length).toBe(1);
  });

  it('gives each run its own virtual clock, chosen by a header at submit time only', async () => {
    const { sim, base } = await startSimulator();
    const fast = new VirtualClock();
    const slow = new VirtualClock();
    sim.registerClock('run-fast', fast);
    sim.registerClock('run-slow', slow);
    const a = await submitOk(base, template(), { [CLOCK_HEADER]: 'run-fast' });
    const b = await submitOk(base, template(), { [CLOCK_HEADER]: 'run-slow' });
    fast.advance(TOTAL_MS);
    expect((await read(base, a.id!)).status).toBe('succeeded');
    expect((await read(base, b.id!)).status).toBe('unassigned');
  });

  it('refuses a submit naming an unregistered clock with a 400 that says how to register it', async () => {
    const { base } = await startSimulator();
    const res = await submit(base, template(), { headers: { [CLOCK_HEADER]: 'nobody' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain('registerClock("nobody"');
  });
});

describe('outputs', () => {
  it('lists one image per requested quantity in both the job result blobs and the step output, and serves them', async () => {
    const { base, clock } = await startSimulator();
    const { id } = await submitOk(base, template({ quantity: 3 }));
    clock.advance(TOTAL_MS);
    const done = await read(base, id!);
    const fromJob = done.steps[0]!.jobs[0]!.result!.blobs.map((blob) => blob.url);
    const fromOutput = done.steps[0]!.output!.images.map((image) => image.url);
    expect(fromJob).toHaveLength(3);
    expect(new Set(fromJob).size).toBe(3);
    expect(fromOutput).toEqual(fromJob);
    const image = await fetch(fromJob[0]!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  it('has no images before success', async () => {
    const { base, clock } = await startSimulator();
    const { id } = await submitOk(base);
    clock.advance(TOTAL_MS - 1);
    const running = await read(base, id!);
    expect(running.steps[0]!.jobs[0]!.result).toBeUndefined();
    expect(running.steps[0]!.output).toBeUndefined();
  });

  it('reports progress and queue position when enabled, and none of it when switched off', async () => {
    const withProgress = await startSimulator();
    const a = await submitOk(withProgress.base);
    expect(a.steps[0]!.jobs[0]!.queuePosition?.precedingJobs).toBeGreaterThan(0);
    withProgress.clock.advance(PHASES.unassigned + PHASES.preparing + PHASES.scheduled + PHASES.processing / 2);
    expect((await read(withProgress.base, a.id!)).steps[0]!.estimatedProgressRate).toBe(0.5);

    const without = await startSimulator({ progressFields: false });
    const b = await submitOk(without.base);
    without.clock.advance(PHASES.unassigned + PHASES.preparing + PHASES.scheduled + PHASES.processing / 2);
    const text = await (await get(without.base, b.id!)).text();
    expect(text).not.toContain('estimatedProgressRate');
    expect(text).not.toContain('queuePosition');
  });

  it('answers 404 with a problem for an unknown workflow id', async () => {
    const { base } = await startSimulator();
    const res = await get(base, 'no-such-workflow');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('no-such-workflow');
  });
});

describe('scheduled faults', () => {
  it('a first submit answered 429 with Retry-After creates nothing; the retry succeeds', async () => {
    const { sim, base } = await startSimulator({
      faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1], fault: { kind: 'rateLimited', retryAfterSeconds: 3 } }]),
    });
    const limited = await submit(base, template({ externalId: 'run-429' }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(sim.counters().jobsCreated).toBe(0);
    expect((await submit(base, template({ externalId: 'run-429' }))).status).toBe(202);
    expect(sim.counters().jobsCreated).toBe(1);
  });

  it('the 2nd and 3rd GET of each workflow answer 503, the others 200', async () => {
    const { base } = await startSimulator({
      faults: scheduledFaults([{ operation: 'getWorkflow', attempts: [2, 3], fault: { kind: 'unavailable', retryAfterSeconds: 1 } }]),
    });
    for (const externalId of ['a', 'b']) {
      const { id } = await submitOk(base, template({ externalId }));
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await get(base, id!)).status);
      expect(statuses).toEqual([200, 503, 503, 200]);
    }
  });

  it('answers 500 when scheduled', async () => {
    const { base } = await startSimulator({ faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1], fault: { kind: 'serverError' } }]) });
    expect((await submit(base, template())).status).toBe(500);
  });

  it('a connection reset before the effect fails the client and creates no job', async () => {
    const { sim, base } = await startSimulator({ faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1], fault: { kind: 'connectionReset' } }]) });
    await expect(submit(base, template())).rejects.toThrow(TypeError);
    expect(sim.counters().jobsCreated).toBe(0);
    expect(sim.counters().byStatus.reset).toBe(1);
  });

  it('a connection reset after the job was created: a retry with the same externalId gets that job, not a second one', async () => {
    const { sim, base } = await startSimulator({
      faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1], fault: { kind: 'connectionReset', afterEffect: true } }]),
    });
    await expect(submit(base, template({ externalId: 'run-reset' }))).rejects.toThrow(TypeError);
    expect(sim.counters().jobsCreated).toBe(1);
    const retried = await submitOk(base, template({ externalId: 'run-reset' }));
    expect(sim.counters().jobsCreated).toBe(1);
    expect(Object.keys(sim.counters().workflows)).toEqual([retried.id]);
  });

  it('a malformed JSON answer keeps its status, fails to parse, and the job exists', async () => {
    const { sim, base } = await startSimulator({ faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1], fault: { kind: 'malformedJson' } }]) });
    const res = await submit(base, template());
    expect(res.status).toBe(202);
    await expect(res.json()).rejects.toThrow(SyntaxError);
    expect(sim.counters().jobsCreated).toBe(1);
  });

  it('an answer slower than the client timeout aborts the client, yet the job was created', async () => {
    const { sim, base } = await startSimulator({ faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1], fault: { kind: 'slow', delayMs: 2_000 } }]) });
    await expect(submit(base, template({ externalId: 'run-slow' }), { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sim.counters().jobsCreated).toBe(1);
    expect(sim.counters().faults.slow).toBe(1);
  });

  it('refuses a schedule with a 0th attempt, naming the rule', () => {
    expect(() => scheduledFaults([{ operation: 'getWorkflow', attempts: [0], fault: { kind: 'serverError' } }])).toThrow(/rules\[0\]\.attempts/);
  });
});

describe('counters', () => {
  it('count requests by operation and status, jobs, per-workflow submits and gets, and when each workflow ended and was seen ending', async () => {
    const { sim, base, clock } = await startSimulator();
    const created = await submitOk(base, template({ externalId: 'counted' }));
    await submitOk(base, template({ externalId: 'counted' }));
    await submit(base, template(), { token: null });
    await read(base, created.id!);
    clock.advance(TOTAL_MS + 500);
    await read(base, created.id!);
    clock.advance(3_000);
    await read(base, created.id!);

    const counters = sim.counters();
    expect(counters.requests).toBe(6);
    expect(counters.byOperation).toMatchObject({ submitWorkflow: 3, getWorkflow: 3 });
    expect(counters.byStatus).toEqual({ '202': 2, '401': 1, '200': 3 });
    expect(counters.jobsCreated).toBe(1);
    const workflow = counters.workflows[created.id!]!;
    expect(workflow).toMatchObject({ externalId: 'counted', submits: 2, gets: 3, terminalStatus: 'succeeded' });
    expect(workflow.terminalAt - workflow.createdAt).toBe(TOTAL_MS);
    expect(workflow.terminalObservedAt! - workflow.terminalAt).toBe(500);
  });

  it('a terminal status hidden by a fault is not counted as observed', async () => {
    const { sim, base, clock } = await startSimulator({ faults: scheduledFaults([{ operation: 'getWorkflow', attempts: [1], fault: { kind: 'malformedJson' } }]) });
    const { id } = await submitOk(base);
    clock.advance(TOTAL_MS);
    await get(base, id!);
    expect(sim.workflow(id!)?.terminalObservedAt).toBeNull();
    clock.advance(1_000);
    await read(base, id!);
    expect(sim.workflow(id!)?.terminalObservedAt).toBe(clock.now());
  });

  it('reports each request to onRequest without headers or bodies', async () => {
    const lines: string[] = [];
    const { base } = await startSimulator({ expectedToken: TOKEN, onRequest: (entry) => lines.push(JSON.stringify(entry)) });
    const { id } = await submitOk(base);
    await get(base, id!);
    expect(lines).toEqual([
      JSON.stringify({ method: 'POST', path: '/v2/consumer/workflows', operation: 'submitWorkflow', status: 202 }),
      JSON.stringify({ method: 'GET', path: `/v2/consumer/workflows/${id}`, operation: 'getWorkflow', status: 200 }),
    ]);
  });
});

describe('seeded random faults', () => {
  async function trace(seed: number): Promise<string[]> {
    const { base } = await startSimulator({
      faults: randomFaults({ seed, rates: { rateLimited: 0.15, unavailable: 0.15, serverError: 0.1, malformedJson: 0.1 } }),
    });
    const seen: string[] = [];
    for (let run = 0; run < 5; run++) {
      const body = template({ externalId: `run-${run}` });
      let res = await submit(base, body);
      while (res.status !== 202) {
        seen.push(`submit ${res.status}`);
        res = await submit(base, body);
      }
      const text = await res.text();
      const id = /"id":"([^"]+)"/.exec(text)?.[1];
      for (let poll = 0; poll < 8; poll++) {
        const answer = await get(base, id!);
        const body = await answer.text();
        seen.push(`get ${answer.status} ${body.endsWith('}') ? 'json' : 'cut'}`);
      }
    }
    return seen;
  }

  it('the same seed gives the same faults, another seed different ones', async () => {
    const first = await trace(7);
    expect(await trace(7)).toEqual(first);
    expect(first.some((line) => !line.startsWith('get 200 json'))).toBe(true);
    expect(await trace(8)).not.toEqual(first);
  });

  it('a request draws the same fault whatever order requests arrive in', () => {
    const policy = randomFaults({ seed: 'order', rates: { unavailable: 0.5 } });
    const contexts: FaultContext[] = Array.from({ length: 40 }, (_, i) => ({ operation: 'getWorkflow', attempt: (i % 4) + 1, key: `run-${i >> 2}` }));
    const forward = contexts.map((context) => policy(context)?.kind ?? 'none');
    const backward = [...contexts].reverse().map((context) => policy(context)?.kind ?? 'none').reverse();
    expect(backward).toEqual(forward);
    expect(forward).toContain('unavailable');
    expect(forward).toContain('none');
  });

  it('refuses rates that add up to more than 1', () => {
    expect(() => randomFaults({ seed: 1, rates: { serverError: 0.6, unavailable: 0.6 } })).toThrow(/at most 1/);
  });
});

describe('scheduled outages', () => {
  it('answer every request 503 inside the window on the run\'s clock, with no effect, while jobs progress underneath', async () => {
    const origin = new VirtualClock().now();
    const { sim, base, clock } = await startSimulator({ outages: [outageWindow(origin, 2, 60)] });
    const job = await submitOk(base);
    const id = String(job.id);
    clock.advance(2_000);
    expect((await submit(base, template())).status).toBe(503);
    expect((await get(base, id)).status).toBe(503);
    clock.advance(59_000);
    expect((await get(base, id)).status).toBe(503);
    clock.advance(1_000);
    expect((await read(base, id)).status).toBe('succeeded');
    expect(sim.counters()).toMatchObject({ jobsCreated: 1, outage: { answered: 3, byClock: { [id]: 2, default: 1 } } });
  });

  it('can reset connections instead, and refuse a window that ends before it starts', async () => {
    const origin = new VirtualClock().now();
    const { base } = await startSimulator({ outages: [outageWindow(origin, 0, 10, 'connectionReset')] });
    await expect(submit(base, template())).rejects.toThrow();
    expect(() => new CivitaiSimulator({ outages: [{ startMs: 10, endMs: 10 }] })).toThrow(/outages\[0\] must have finite startMs < endMs/);
    expect(() => parseOutageFlag('60-5', 0)).toThrow(/--outage takes <start seconds>\+<duration seconds>/);
    expect(parseOutageFlag('60+1800:reset', 1_000)).toEqual({ startMs: 61_000, endMs: 1_861_000, answer: 'connectionReset' });
  });
});
