/**
 * Remote server → step runner: answers are bounded. The body is read as a stream and abandoned past the
 * deployment's maxResponseBytes; JSON nested past MAX_JSON_DEPTH is refused by a linear scan before it is
 * parsed. Either fails the step by name with a log entry; nothing escapes as an exception.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Route } from '../../lib/compile/step-plan.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, jsonDepthExceeds, MAX_JSON_DEPTH } from '../../lib/runtime/http.ts';
import { compileFile, fixture } from '../support/compile-fixture.ts';
import { json, testServerPerFile } from '../support/http-server.ts';
import { causeMessage, runDeployed, securityPlan } from '../support/security-plan.ts';

const MiB = 1024 * 1024;
const api = testServerPerFile({ beforeAll, afterAll, beforeEach }, json(404));

/** Streams `total` bytes of JSON-looking text in 64 KiB chunks, honouring backpressure; counts what it wrote. */
function streamed(total: number, declareLength: boolean) {
  const written = { bytes: 0, finished: false };
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  api.current.respondWith((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(total) } : {}) });
    const pump = () => {
      while (written.bytes < total) {
        written.bytes += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', pump);
          return;
        }
      }
      written.finished = true;
      response.end();
    };
    pump();
  });
  return written;
}

describe('a response body', () => {
  it('of 300 MB, streamed without a length, is abandoned past 10 MiB and fails the step as Arazzo.ResponseTooLarge', async () => {
    const written = streamed(300 * MiB, false);
    const { state, logs } = await runDeployed(securityPlan('GET', `${api.current.baseUrl}/huge`));

    expect(state.control.route).toBe(Route.stepFailed);
    expect(state.control.waitSeconds).toBe(0);
    expect(causeMessage(state)).toBe(`step call: Arazzo.ResponseTooLarge: HTTP 200 with a body over ${DEFAULT_MAX_RESPONSE_BYTES} bytes (maxResponseBytes); select a smaller resource or raise the limit`);
    expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', refused: 'Arazzo.ResponseTooLarge', statusCode: 200 })]);
    // The runner stopped reading: the server could not push the 300 MB through.
    expect(written.finished).toBe(false);
    expect(written.bytes).toBeLessThan(64 * MiB);
  });

  it('declared as 300 MB by Content-Length is refused before its body is read', async () => {
    const written = streamed(300 * MiB, true);
    const { state } = await runDeployed(securityPlan('GET', `${api.current.baseUrl}/huge`));
    expect(causeMessage(state)).toContain('Arazzo.ResponseTooLarge');
    expect(written.finished).toBe(false);
    expect(written.bytes).toBeLessThan(64 * MiB);
  });

  it('is bounded by the deployment\'s maxResponseBytes: 2 KiB refuses 3 KiB and takes 1 KiB', async () => {
    const plan = securityPlan('GET', `${api.current.baseUrl}/sized`, {}, { maxResponseBytes: 2048 });
    api.current.respondWith(json(200, { id: 'x'.repeat(3000) }));
    expect(causeMessage((await runDeployed(plan)).state)).toContain('over 2048 bytes');
    api.current.respondWith(json(200, { id: 'y'.repeat(1000) }));
    const { state } = await runDeployed(plan);
    expect(state.control.route).toBe(Route.next);
    expect(state.steps.call.id).toBe('y'.repeat(1000));
  });
});

describe('JSON nesting', () => {
  it('200,000 levels deep fails the step as Arazzo.ResponseTooDeep, without a stack overflow', async () => {
    api.current.respondWith((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    });
    const { state, logs } = await runDeployed(securityPlan('GET', `${api.current.baseUrl}/deep`));
    expect(state.control.route).toBe(Route.stepFailed);
    expect(causeMessage(state)).toBe(`step call: Arazzo.ResponseTooDeep: HTTP 200 with JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', refused: 'Arazzo.ResponseTooDeep' })]);
  });

  it(`as deep as ${MAX_JSON_DEPTH} levels is read as usual`, async () => {
    let nested: unknown = { id: 'bottom' };
    // The outer object, MAX_JSON_DEPTH - 2 arrays, the inner object.
    for (let level = 2; level < MAX_JSON_DEPTH; level++) nested = [nested];
    api.current.respondWith(json(200, { id: 'top', nested }));
    const { state } = await runDeployed(securityPlan('GET', `${api.current.baseUrl}/ok`));
    expect(state.control.route).toBe(Route.next);
    expect(state.steps.call.id).toBe('top');
  });

  it('is measured in one pass that ignores brackets inside strings', () => {
    expect(jsonDepthExceeds('[[[]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ text: '[[[[[[[[{{{{', quote: '"[[[[' }), 1)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1,{"c":2}]}}', 3)).toBe(true);
  });
});

describe('the maxResponseBytes deployment option', () => {
  it('goes into every plan, and is refused at compile time outside 1 KiB..64 MiB, naming the field', () => {
    const shop = fixture('shop-order.arazzo.yml');
    const { plans } = compileFile(shop, { secretInputs: ['token'], maxResponseBytes: 65_536 });
    expect(plans.every((p) => p.request.maxResponseBytes === 65_536)).toBe(true);
    expect(compileFile(shop, { secretInputs: ['token'] }).plans[0].request.maxResponseBytes).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    for (const bad of [0, 100, 1.5, 512 * MiB]) {
      expect(() => compileFile(shop, { secretInputs: ['token'], maxResponseBytes: bad })).toThrow(/maxResponseBytes.*between 1024 and/);
    }
  });
});
