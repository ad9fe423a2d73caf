/**
 * Remote server → step runner: redirects. fetch never follows one by itself; the runner follows a redirect
 * within the API's origin for GET and HEAD only, a bounded number of times, and fails the step at once
 * (never a transient retry) on a redirect to another origin, a loop, or a Location it cannot use. Each
 * "attacker" is a server on another port of 127.0.0.1: another origin.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Route } from '../../lib/compile/step-plan.ts';
import { MAX_REDIRECTS } from '../../lib/runtime/http.ts';
import { json, startTestServer, type ReceivedRequest, type TestServer } from '../support/http-server.ts';
import { causeMessage, runDeployed, SECRET_TOKEN, securityPlan } from '../support/security-plan.ts';

let api: TestServer;
let attacker: TestServer;
beforeAll(async () => {
  api = await startTestServer();
  attacker = await startTestServer(json(200, { id: 'stolen' }));
});
afterAll(async () => {
  await Promise.all([api.close(), attacker.close()]);
});
beforeEach(() => {
  api.received.length = 0;
  attacker.received.length = 0;
});

const redirect = (status: number, location?: string) => (_request: ReceivedRequest, response: ServerResponse) =>
  response.writeHead(status, location === undefined ? {} : { location }).end();

describe('a redirect to another origin', () => {
  for (const [method, status] of [['GET', 302], ['GET', 301], ['POST', 307], ['POST', 308], ['HEAD', 303]] as const) {
    it(`answering a ${method} with ${status} fails the step as Arazzo.RedirectCrossOrigin; the other origin gets nothing`, async () => {
      api.respondWith(redirect(status, `${attacker.baseUrl}/collect`));
      const { state, logs } = await runDeployed(securityPlan(method, `${api.baseUrl}/jobs`));

      expect(attacker.received).toHaveLength(0);
      expect(api.received).toHaveLength(1);
      expect(state.control.route).toBe(Route.stepFailed);
      expect(state.control.attempts.call.transient).toBe(0);
      expect(causeMessage(state)).toMatch(/^step call: Arazzo\.RedirectCrossOrigin: HTTP \d{3} redirects to another origin \(http:\/\/127\.0\.0\.1:\d+\)/);
      expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', refused: 'Arazzo.RedirectCrossOrigin', statusCode: status })]);
    });
  }

  it('is refused even when the document has a catch-all failure action that would retry it', async () => {
    api.respondWith(redirect(302, `${attacker.baseUrl}/collect`));
    const retryAll = { route: 'again', name: 'again', type: 'retry' as const, criteria: [], loopsBack: true, retryAfter: 1, retryLimit: 5 };
    const { state } = await runDeployed(securityPlan('GET', `${api.baseUrl}/jobs`, { onFailure: [retryAll] }));
    expect(state.control.route).toBe(Route.stepFailed);
    expect(attacker.received).toHaveLength(0);
  });
});

describe('a redirect within the origin', () => {
  it('is followed for a GET, carrying the credential to the new path of the same API', async () => {
    api.respondWith((request, response) => {
      if (request.path === '/old') redirect(302, '/new')(request, response);
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'job-7' }));
    });
    const { state } = await runDeployed(securityPlan('GET', `${api.baseUrl}/old`));

    expect(api.received.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/old', `Bearer ${SECRET_TOKEN}`],
      ['/new', `Bearer ${SECRET_TOKEN}`],
    ]);
    expect(state.control.route).toBe(Route.next);
    expect(state.steps.call).toEqual({ id: 'job-7' });
  });

  it('is not followed for a POST: the 307 is the answer the document judges, and the job is not posted twice', async () => {
    api.respondWith(redirect(307, '/elsewhere'));
    const { state } = await runDeployed(securityPlan('POST', `${api.baseUrl}/jobs`));
    expect(api.received.map((r) => r.path)).toEqual(['/jobs']);
    expect(state.control.route).toBe(Route.stepFailed);
    expect(state.control.lastStep.statusCode).toBe(307);
    expect(causeMessage(state)).toContain('HTTP 307');
  });

  it('that loops fails the step as Arazzo.RedirectLoop, not as transient trouble', async () => {
    api.respondWith((request, response) => redirect(302, request.path === '/a' ? '/b' : '/a')(request, response));
    const { state, logs } = await runDeployed(securityPlan('GET', `${api.baseUrl}/a`));
    expect(api.received.map((r) => r.path)).toEqual(['/a', '/b']);
    expect(state.control.route).toBe(Route.stepFailed);
    expect(state.control.waitSeconds).toBe(0);
    expect(causeMessage(state)).toContain('Arazzo.RedirectLoop');
    expect(logs[0]).toMatchObject({ refused: 'Arazzo.RedirectLoop' });
  });

  it(`that goes on past ${MAX_REDIRECTS} hops fails the step as Arazzo.RedirectLoop`, async () => {
    api.respondWith((request, response) => redirect(302, `/hop${Number(request.path.slice(4) || 0) + 1}`)(request, response));
    const { state } = await runDeployed(securityPlan('GET', `${api.baseUrl}/hop0`));
    expect(api.received).toHaveLength(MAX_REDIRECTS + 1);
    expect(causeMessage(state)).toContain(`Arazzo.RedirectLoop: more than ${MAX_REDIRECTS} redirects`);
  });
});

describe('a redirect whose Location cannot be used', () => {
  for (const [what, location] of [
    ['no Location header', undefined],
    ['an empty Location', ''],
    ['a Location that is not a URL', 'http://[not-a-host'],
    ['a javascript: Location', 'javascript:alert(1)'],
    ['a file: Location', 'file:///etc/passwd'],
  ] as const) {
    it(`(${what}) fails the step as Arazzo.RedirectUnusable`, async () => {
      api.respondWith(redirect(302, location));
      const { state } = await runDeployed(securityPlan('GET', `${api.baseUrl}/jobs`));
      expect(state.control.route).toBe(Route.stepFailed);
      expect(causeMessage(state)).toContain('Arazzo.RedirectUnusable');
      expect(api.received).toHaveLength(1);
    });
  }
});
