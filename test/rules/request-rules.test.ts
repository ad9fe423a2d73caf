/**
 * How the step runner builds the request a plan describes, and what it does when it cannot: rules observed
 * on the request that reaches the API (or on the failed step when none does), through `runStep`.
 */
import { describe, expect, it } from 'vitest';
import { initialRunState, Route, type PlannedParameter, type StepPlan } from '../../lib/compile/step-plan.ts';
import { causeOf, runPlan, stepPlan } from './step-harness.ts';

const withRequest = (request: Partial<StepPlan['request']>, extra: Partial<StepPlan> = {}) =>
  stepPlan({ ...extra, request: { method: 'post', url: 'https://api.test/jobs', parameters: [], timeoutMs: 1000, ...request } });
const param = (name: string, where: PlannedParameter['in'], value: unknown): PlannedParameter => ({ name, in: where, value });
const inputs = (values: Record<string, unknown>) => ({ state: initialRunState(values) });

async function refused(plan: StepPlan, values: Record<string, unknown> = {}) {
  const { state, sent } = await runPlan(plan, { status: 200 }, inputs(values));
  expect(sent).toHaveLength(0);
  expect(state.control.route).toBe(Route.stepFailed);
  return causeOf(state).message;
}

describe('a request that cannot be built fails the step, names the problem, and calls nothing', () => {
  const byId = withRequest({ url: 'https://api.test/jobs/{id}', parameters: [param('id', 'path', '$inputs.id')] });

  it('a path parameter that resolves to nothing, to null or to an object', async () => {
    expect(await refused(byId)).toBe(
      'step poll cannot build its request: path parameter "id" has no value ("$inputs.id" resolved to nothing); the request URL cannot be built',
    );
    expect(await refused(byId, { id: null })).toContain('("$inputs.id" resolved to null)');
    expect(await refused(byId, { id: { nested: 1 } })).toContain('("$inputs.id" resolved to an object)');
    const literal = withRequest({ url: 'https://api.test/jobs/{id}', parameters: [param('id', 'path', { not: 'text' })] });
    expect(await refused(literal)).toContain('(its value resolved to an object)');
  });

  it('a parameter in a location HTTP does not have', async () => {
    const plan = withRequest({ parameters: [param('m', 'matrix' as PlannedParameter['in'], 'x')] });
    expect(await refused(plan)).toContain('parameter "m" has location "matrix"; use path, query, querystring, header or cookie');
  });

  it('a URL placeholder without a path parameter', async () => {
    expect(await refused(withRequest({ url: 'https://api.test/jobs/{jobId}' }))).toContain(
      'the URL template has the placeholder {jobId} but the step has no path parameter "jobId"; add one',
    );
  });

  it('a URL without scheme and host', async () => {
    expect(await refused(withRequest({ url: '/jobs' }))).toContain('request.url "/jobs" is not an absolute URL; the server base URL must include the scheme and host');
  });

  it('a payload replacement or idempotency key aimed past the end of an array', async () => {
    const replacement = withRequest({ body: { payload: { list: [] }, replacements: [{ target: '/list/3', value: 'x' }] } });
    expect(await refused(replacement)).toContain('requestBody.replacements[0].target: JSON Pointer token "3" does not address an element of an array of length 0');
    const removal = withRequest({ body: { payload: { a: 1 }, replacements: [{ target: 'no-slash', value: '$inputs.absent' }] } });
    expect(await refused(removal)).toContain('requestBody.replacements[0].target: "no-slash" is not a JSON Pointer');
    const keyed = withRequest({ body: { payload: { list: [] } } }, { idempotency: { in: 'body', name: '/list/5' } });
    expect(await refused(keyed)).toContain('idempotency.name: JSON Pointer token "5"');
  });
});

describe('parameters', () => {
  it('repeat a query parameter per array item, join header items with ", ", and leave out null items and absent values', async () => {
    const plan = withRequest({
      parameters: [
        param('tag', 'query', '$inputs.tags'),
        param('X-Tags', 'header', '$inputs.tags'),
        param('skipped', 'query', '$inputs.absent'),
        param('X-Skipped', 'header', '$inputs.absent'),
        param('filter', 'query', '$inputs.filter'),
      ],
    });
    const { sent } = await runPlan(plan, { status: 200 }, inputs({ tags: ['a', null, 'b'], filter: { size: 2 } }));
    expect(sent[0].url.searchParams.getAll('tag')).toEqual(['a', 'b']);
    expect(sent[0].url.searchParams.get('filter')).toBe('{"size":2}');
    expect(sent[0].url.searchParams.has('skipped')).toBe(false);
    expect(sent[0].headers.get('x-tags')).toBe('a, null, b');
    expect(sent[0].headers.has('x-skipped')).toBe(false);
    expect(sent[0].method).toBe('POST');
  });

  it('encode a path value and cookie values, and join cookies in one header', async () => {
    const plan = withRequest({
      url: 'https://api.test/files/{name}',
      parameters: [param('name', 'path', 'a b/c'), param('team', 'cookie', 'data eng'), param('lang', 'cookie', 'fr;x')],
    });
    const { sent } = await runPlan(plan, { status: 200 });
    expect(sent[0].url.pathname).toBe('/files/a%20b%2Fc');
    expect(sent[0].headers.get('cookie')).toBe('team=data%20eng; lang=fr%3Bx');
  });

  it('treat header names case-insensitively: a later header replaces an earlier one however it is spelled', async () => {
    const plan = withRequest({ parameters: [param('X-Mode', 'header', 'first'), param('x-mode', 'header', 'second')] });
    const { sent } = await runPlan(plan, { status: 200 });
    expect(sent[0].headers.get('x-mode')).toBe('second');
  });
});

describe('the request body', () => {
  it('is form-encoded for application/x-www-form-urlencoded, one field per array item, nulls left out', async () => {
    const plan = withRequest({ body: { contentType: 'Application/X-WWW-Form-Urlencoded; charset=utf-8', payload: { a: 'x y', list: [1, null, 2], gone: null } } });
    const { sent } = await runPlan(plan, { status: 200 });
    expect(sent[0].body).toBe('a=x+y&list=1&list=2');
    expect(sent[0].headers.get('content-type')).toBe('Application/X-WWW-Form-Urlencoded; charset=utf-8');
  });

  it('is JSON for a +json media type and by default, and a string payload goes as is for text', async () => {
    const problem = await runPlan(withRequest({ body: { contentType: 'application/merge-patch+json', payload: { a: 1 } } }), { status: 200 });
    expect(problem.sent[0].body).toBe('{"a":1}');
    const plain = await runPlan(withRequest({ body: { payload: { a: 1 } } }), { status: 200 });
    expect(plain.sent[0].headers.get('content-type')).toBe('application/json');
    const text = await runPlan(withRequest({ body: { contentType: 'text/plain', payload: 'hello' } }), { status: 200 });
    expect(text.sent[0].body).toBe('hello');
    const textObject = await runPlan(withRequest({ body: { contentType: 'text/plain', payload: { a: 1 } } }), { status: 200 });
    expect(textObject.sent[0].body).toBe('{"a":1}');
  });

  it('takes its content type from a Content-Type header parameter, whatever its spelling, over the plan\'s', async () => {
    const plan = withRequest({ parameters: [param('content-type', 'header', 'text/csv')], body: { contentType: 'application/json', payload: 'a,b' } });
    const { sent } = await runPlan(plan, { status: 200 });
    expect(sent[0].headers.get('content-type')).toBe('text/csv');
    expect(sent[0].body).toBe('a,b');
  });

  it('removes a replacement target whose value resolves to nothing, and writes the others, creating objects on the way', async () => {
    const plan = withRequest({
      body: {
        payload: { keep: 1, drop: 2, items: ['a'] },
        replacements: [
          { target: '/drop', value: '$inputs.absent' },
          { target: '/meta/owner', value: '$inputs.owner' },
          { target: '/items/-', value: 'b' },
          { target: '/items/0', value: 'A' },
        ],
      },
    });
    const { sent } = await runPlan(plan, { status: 200 }, inputs({ owner: 'ada' }));
    expect(JSON.parse(sent[0].body ?? '')).toEqual({ keep: 1, items: ['A', 'b'], meta: { owner: 'ada' } });
  });

  it('never changes the plan\'s payload: a second run of the same plan sends the same body', async () => {
    const plan = withRequest({ body: { payload: { list: ['a'] }, replacements: [{ target: '/list/-', value: 'b' }] } });
    const first = await runPlan(plan, { status: 200 });
    const second = await runPlan(plan, { status: 200 });
    expect(second.sent[0].body).toBe(first.sent[0].body);
  });
});

describe('the idempotency key', () => {
  it('in the query replaces a parameter of the same name; in the body it is written at its pointer', async () => {
    const inQuery = withRequest({ parameters: [param('key', 'query', 'mine'), param('page', 'query', 2)] }, { idempotency: { in: 'query', name: 'key' } });
    const query = (await runPlan(inQuery, { status: 200 })).sent[0].url.searchParams;
    expect(query.getAll('key')).toEqual([expect.stringMatching(/^arazzo-[0-9a-f]{40}$/)]);
    expect(query.get('page')).toBe('2');
    const inBody = withRequest({}, { idempotency: { in: 'body', name: '/client/ref' } });
    const body = JSON.parse((await runPlan(inBody, { status: 200 })).sent[0].body ?? '') as { client: { ref: string } };
    expect(body.client.ref).toMatch(/^arazzo-[0-9a-f]{40}$/);
  });
});
