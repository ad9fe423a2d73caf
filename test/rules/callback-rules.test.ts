/**
 * The rules of the callback route and the wake-up wait that the security tests state only in bulk: what a token
 * looks like, where the body cap sits, how long a wake is kept, what the registrar accepts.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { createCallbackHandler, maxBodyBytesFromEnv } from '../../lambdas/callbacks/handler.ts';
import { callbackIssuer } from '../../lib/runtime/callbacks/issuer.ts';
import { memoryCallbackStore } from '../../lib/runtime/callbacks/memory-store.ts';
import { ACCEPTED, callbackMessage, DEFAULT_MAX_CALLBACK_BODY_BYTES, receiveCallback, wakeWait } from '../../lib/runtime/callbacks/receiver.ts';
import { registerWait } from '../../lib/runtime/callbacks/registrar.ts';
import { waitKey, type CallbackStore } from '../../lib/runtime/callbacks/store.ts';
import { isWellFormedCallbackToken, newCallbackToken } from '../../lib/runtime/callbacks/tokens.ts';
import type { TaskTokenSender, WakeWaitEvent } from '../../lib/runtime/callbacks/types.ts';

const target = { executionId: 'arn:aws:states:us-east-1:1:execution:sm:run-1', waitId: 'poll' };
const HOUR = 60 * 60 * 1000;

function world() {
  let time = 1_000_000;
  const now = () => time;
  const store = memoryCallbackStore(now);
  const sent: string[] = [];
  const tasks: TaskTokenSender = {
    async succeed(taskToken) {
      sent.push(taskToken);
      return 'sent';
    },
  };
  return { store, tasks, now, sent, advance: (ms: number) => (time += ms) };
}

const event = (overrides: Partial<WakeWaitEvent> = {}): WakeWaitEvent => ({ taskToken: 'task-1', timeoutSeconds: 60, ...target, ...overrides });

describe('a callback token', () => {
  it('is exactly 43 base64url characters: one more or fewer, or anything around them, is not a token', () => {
    expect(isWellFormedCallbackToken('a'.repeat(43))).toBe(true);
    expect(isWellFormedCallbackToken('-_' + 'Z9'.repeat(20) + 'x')).toBe(true);
    for (const text of ['a'.repeat(42), 'a'.repeat(44), `/${'a'.repeat(43)}`, `${'a'.repeat(43)}/`, '+'.repeat(43), 'a'.repeat(42) + '=']) {
      expect(isWellFormedCallbackToken(text)).toBe(false);
    }
  });
});

describe('the callback base URL', () => {
  it('must start with http(s)://, not merely contain it', () => {
    const store = memoryCallbackStore();
    expect(() => callbackIssuer({ store, baseUrl: 'see https://api.example.com/callbacks', now: Date.now })).toThrow('absolute http(s) URL');
    expect(() => callbackIssuer({ store, baseUrl: 'https:///callbacks', now: Date.now })).toThrow('absolute http(s) URL');
  });
});

describe('the body cap', () => {
  it('admits a body of exactly the cap and refuses one byte more with 413 naming the cap', async () => {
    const w = world();
    expect(await receiveCallback({ token: newCallbackToken(), body: 'x'.repeat(10), headers: {} }, { ...w, maxBodyBytes: 10 })).toEqual(ACCEPTED);
    const refused = await receiveCallback({ token: newCallbackToken(), body: 'x'.repeat(11), headers: {} }, { ...w, maxBodyBytes: 10 });
    expect(refused).toEqual({ status: 413, body: JSON.stringify({ message: 'a callback body is at most 10 bytes' }) });
  });

  it('counts bytes, not characters', async () => {
    const w = world();
    const answer = await receiveCallback({ token: newCallbackToken(), body: 'é'.repeat(6), headers: {} }, { ...w, maxBodyBytes: 10 });
    expect(answer.status).toBe(413);
  });
});

describe('a malformed token', () => {
  it('is answered 202 without a look-up in the store', async () => {
    const w = world();
    let lookups = 0;
    const counting: CallbackStore = { ...w.store, claimToken: async (hash) => (lookups++, w.store.claimToken(hash)) };
    expect(await receiveCallback({ token: '../../etc/passwd', body: '{}', headers: {} }, { ...w, store: counting })).toEqual(ACCEPTED);
    expect(lookups).toBe(0);
    await receiveCallback({ token: newCallbackToken(), body: '{}', headers: {} }, { ...w, store: counting });
    expect(lookups).toBe(1);
  });
});

describe('a wake that finds no wait armed', () => {
  it('is kept for a day: the next wait within 24 hours ends at once, one after that waits', async () => {
    const w = world();
    expect(await wakeWait(target, { payload: 1, headers: {} }, w)).toBe('pending');
    w.advance(23 * HOUR);
    expect(await registerWait(event(), w)).toEqual({ outcome: 'woken' });

    const late = world();
    await wakeWait(target, { payload: 1, headers: {} }, late);
    late.advance(24 * HOUR);
    expect(await registerWait(event(), late)).toEqual({ outcome: 'armed' });
  });

  it('gives up after three stale task tokens in a row and stays pending', async () => {
    const w = world();
    let wakes = 0;
    const alwaysArmed: CallbackStore = { ...w.store, wake: async () => (wakes++, 'stale-task-token') };
    const staleTasks: TaskTokenSender = { succeed: async () => 'stale' };
    expect(await wakeWait(target, { payload: 1, headers: {} }, { store: alwaysArmed, tasks: staleTasks, now: w.now })).toBe('pending');
    expect(wakes).toBe(3);
  });
});

describe('wait keys', () => {
  it('differ between two waits of one run and between the same wait of two runs', () => {
    const keys = new Set([waitKey(target), waitKey({ ...target, waitId: 'receive' }), waitKey({ ...target, executionId: `${target.executionId}-2` })]);
    expect(keys.size).toBe(3);
  });

  it('keep one wait\'s pending wake from ending another wait of the same run', async () => {
    const w = world();
    await wakeWait({ ...target, waitId: 'other' }, { payload: 1, headers: {} }, w);
    expect(await registerWait(event(), w)).toEqual({ outcome: 'armed' });
  });
});

describe('a stored token', () => {
  it('is dead at the very millisecond it expires', async () => {
    const w = world();
    const issuer = callbackIssuer({ store: w.store, baseUrl: 'https://api.example.com/callbacks', now: w.now });
    const { token } = await issuer.issue(target, 60);
    await registerWait(event(), w);
    w.advance(60_000);
    await receiveCallback({ token, body: '{}', headers: {} }, w);
    expect(w.sent).toEqual([]);
  });
});

describe('the registrar', () => {
  it('names each field a hand-made event lacks', async () => {
    const w = world();
    for (const [field, value] of [['taskToken', ''], ['executionId', ''], ['waitId', ''], ['timeoutSeconds', 0], ['timeoutSeconds', 1.5]] as const) {
      await expect(registerWait(event({ [field]: value }), w)).rejects.toThrow(`the wake-up wait event lacks ${field};`);
    }
    for (const field of ['taskToken', 'executionId', 'waitId'] as const) {
      await expect(registerWait(event({ [field]: 7 as unknown as string }), w)).rejects.toThrow(`lacks ${field};`);
    }
  });

  it('refuses an invoke with no event at all (null or absent) by naming every field, not with a TypeError', async () => {
    for (const nothing of [null, undefined]) {
      await expect(registerWait(nothing as unknown as WakeWaitEvent, world())).rejects.toThrow(
        'the wake-up wait event lacks taskToken, executionId, waitId, timeoutSeconds;',
      );
    }
  });

  it('arms a wait of one second, the shortest a Task timeout can be', async () => {
    expect(await registerWait(event({ timeoutSeconds: 1 }), world())).toEqual({ outcome: 'armed' });
  });
});

describe('a callback as a message', () => {
  it('has a null payload for a blank body, and keeps at most 50 headers of at most 1,024 characters', () => {
    expect(callbackMessage({ body: '  ', headers: {} }).payload).toBeNull();
    const headers = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`x-h${i}`, 'v'.repeat(2000)]));
    const message = callbackMessage({ body: '{}', headers: { 'x-unset': undefined, ...headers } });
    expect(Object.keys(message.headers)).toHaveLength(50);
    expect(message.headers['x-h0']).toHaveLength(1024);
    expect(message.headers).not.toHaveProperty('x-unset');
  });
});

describe('the callback function (lambdas/callbacks/handler.ts)', () => {
  /** The function with a memory store, SendTaskSuccess recorded, and its log kept as the JSON lines it writes. */
  function callbackFunction(store: CallbackStore = memoryCallbackStore()) {
    const lines: string[] = [];
    const sent: Array<{ taskToken: string; message: unknown }> = [];
    const tasks: TaskTokenSender = { succeed: async (taskToken, message) => (sent.push({ taskToken, message }), 'sent') };
    const handler = createCallbackHandler({ store, tasks, now: Date.now, maxBodyBytes: 1024, log: (entry) => lines.push(JSON.stringify(entry)) });
    return { store, tasks, handler, sent, lines, logged: () => lines.map((line) => JSON.parse(line) as unknown) };
  }
  const accepted = { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"accepted":true}' };
  const answered = (status: number) => ({ level: 'INFO', message: 'callback answered', status });
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });

  function apiEvent(token: string, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
    return {
      httpMethod: 'POST',
      path: `/callbacks/${token}`,
      pathParameters: { token },
      headers: { 'content-type': 'application/json' },
      body: '{}',
      isBase64Encoded: false,
      requestContext: { resourcePath: '/callbacks/{token}' },
      ...overrides,
    } as APIGatewayProxyEvent;
  }

  /** A callback to an armed wait: what the task received, the answer, the log. */
  async function deliver(overrides: (token: string) => Partial<APIGatewayProxyEvent>) {
    const fn = callbackFunction();
    const { token } = await callbackIssuer({ store: fn.store, baseUrl: 'https://api.example.com/callbacks', now: Date.now }).issue(target, 60);
    await registerWait(event({ taskToken: 'task-1' }), { store: fn.store, tasks: fn.tasks, now: Date.now });
    const answer = await fn.handler(apiEvent(token, overrides(token)));
    expect(fn.lines.join('\n')).not.toContain(token);
    return { answer, messages: fn.sent.map((s) => s.message), logged: fn.logged() };
  }

  it('answers a wake-up wait Task with its outcome and logs it by wait id: INFO when armed or woken, WARN with the error name when unarmed, never the task token', async () => {
    const fn = callbackFunction();
    expect(await fn.handler(event({ taskToken: 'task-armed' }))).toEqual({ outcome: 'armed' });

    const early = callbackFunction();
    await wakeWait(target, { payload: 1, headers: {} }, { store: early.store, tasks: early.tasks, now: Date.now });
    expect(await early.handler(event({ taskToken: 'task-woken' }))).toEqual({ outcome: 'woken' });
    expect(early.sent).toEqual([{ taskToken: 'task-woken', message: { payload: 1, headers: {} } }]);

    const down = callbackFunction({ ...memoryCallbackStore(), arm: () => Promise.reject(named('ResourceNotFoundException', 'no table for task-unarmed')) });
    expect(await down.handler(event({ taskToken: 'task-unarmed' }))).toEqual({ outcome: 'unarmed' });

    expect(fn.logged()).toEqual([{ level: 'INFO', message: 'wait armed', waitId: 'poll' }]);
    expect(early.logged()).toEqual([{ level: 'INFO', message: 'wait woken', waitId: 'poll' }]);
    expect(down.logged()).toEqual([{ level: 'WARN', message: 'wait unarmed', waitId: 'poll', error: 'ResourceNotFoundException' }]);
    expect([...fn.lines, ...early.lines, ...down.lines].join('\n')).not.toMatch(/task-(armed|woken|unarmed)/);
  });

  it('takes only an API Gateway proxy event (requestContext and httpMethod) for a callback: any other invoke is checked as a wake-up wait and refused', async () => {
    const { handler, sent } = callbackFunction();
    const token = newCallbackToken();
    const lookalikes: unknown[] = [null, 42, 'POST /callbacks', { httpMethod: 'POST', pathParameters: { token }, body: '{}' }, { requestContext: {}, pathParameters: { token }, body: '{}' }];
    for (const invoke of lookalikes) {
      await expect(handler(invoke as WakeWaitEvent)).rejects.toThrow('the wake-up wait event lacks taskToken, executionId, waitId, timeoutSeconds;');
    }
    expect(sent).toEqual([]);
  });

  it('wakes the wait with the JSON body and the plain headers, answers 202 and logs only the status', async () => {
    const { answer, messages, logged } = await deliver(() => ({ body: '{"status":"done"}', headers: { 'X-Signature': 'sig', authorization: 'Bearer secret' } }));
    expect(answer).toEqual(accepted);
    expect(messages).toEqual([{ payload: { status: 'done' }, headers: { 'x-signature': 'sig' } }]);
    expect(logged).toEqual([answered(202)]);
  });

  it('decodes a base64-encoded body before reading it', async () => {
    const { messages } = await deliver(() => ({ body: Buffer.from('{"status":"done"}').toString('base64'), isBase64Encoded: true }));
    expect(messages).toEqual([{ payload: { status: 'done' }, headers: { 'content-type': 'application/json' } }]);
  });

  it('reads a request without a body (null or absent) as a null payload, not as an error', async () => {
    for (const body of [null, undefined]) {
      const { answer, messages, logged } = await deliver(() => ({ body: body as string | null }));
      expect(answer).toEqual(accepted);
      expect(messages).toEqual([{ payload: null, headers: { 'content-type': 'application/json' } }]);
      expect(logged).toEqual([answered(202)]);
    }
  });

  it('answers a request without path parameters or headers 202, waking nothing and logging no error', async () => {
    const { answer, messages, logged } = await deliver(() => ({ pathParameters: null }));
    expect(answer).toEqual(accepted);
    expect(messages).toEqual([]);
    expect(logged).toEqual([answered(202)]);
    const headless = await deliver(() => ({ headers: null as unknown as APIGatewayProxyEvent['headers'] }));
    expect(headless.messages).toEqual([{ payload: {}, headers: {} }]);
    expect(headless.logged).toEqual([answered(202)]);
  });

  it('answers 202 when the store fails, logging the error at ERROR by its name only, never its message (which may hold the token)', async () => {
    const token = newCallbackToken();
    const fn = callbackFunction({ ...memoryCallbackStore(), claimToken: () => Promise.reject(named('ThrottlingException', `throttled claiming ${token}`)) });
    expect(await fn.handler(apiEvent(token))).toEqual(accepted);
    expect(fn.logged()).toEqual([{ level: 'ERROR', message: 'callback not handled', error: 'ThrottlingException' }, answered(202)]);
    expect(fn.lines.join('\n')).not.toContain(token);
  });

  it('answers an oversized body 413 and logs that status', async () => {
    const fn = callbackFunction();
    const answer = await fn.handler(apiEvent(newCallbackToken(), { body: 'x'.repeat(1025) }));
    expect(answer).toMatchObject({ statusCode: 413 });
    expect(fn.logged()).toEqual([answered(413)]);
  });
});

describe('MAX_CALLBACK_BODY_BYTES', () => {
  it('unset or empty is 64 KiB; a whole number of at least 1 is the cap; anything else is refused naming the variable, the value and the fix', () => {
    expect(maxBodyBytesFromEnv(undefined)).toBe(DEFAULT_MAX_CALLBACK_BODY_BYTES);
    expect(maxBodyBytesFromEnv('')).toBe(DEFAULT_MAX_CALLBACK_BODY_BYTES);
    expect(maxBodyBytesFromEnv('1')).toBe(1);
    expect(maxBodyBytesFromEnv('2048')).toBe(2048);
    for (const value of ['0', '-5', '1.5', 'lots', '2k']) {
      expect(() => maxBodyBytesFromEnv(value)).toThrow(`MAX_CALLBACK_BODY_BYTES is "${value}"; set it to a whole number of bytes or leave it unset`);
    }
  });
});

describe('the deployed callback function', () => {
  it('keeps tokens in CALLBACK_TABLE, reads its body cap from MAX_CALLBACK_BODY_BYTES and writes each log entry to stdout as one JSON line', async () => {
    vi.stubEnv('MAX_CALLBACK_BODY_BYTES', '10');
    vi.stubEnv('CALLBACK_TABLE', 'callbacks');
    const stdout = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dynamo = mockClient(DynamoDBClient).on(UpdateItemCommand).resolves({});
    try {
      // Its module reads the environment when it loads: it alone is loaded afresh (vi.resetModules() would load the
      // whole engine again inside this test, and Stryker would test every module-level mutant with it).
      const fresh = '../../lambdas/callbacks/handler.ts?fresh-for-this-test';
      const { handler } = (await import(/* @vite-ignore */ fresh)) as typeof import('../../lambdas/callbacks/handler.ts');
      const invoke = (body: string) => handler({ httpMethod: 'POST', requestContext: {}, pathParameters: { token: 'not-a-token' }, headers: {}, body, isBase64Encoded: false } as unknown as APIGatewayProxyEvent);
      expect(await invoke('x'.repeat(10))).toMatchObject({ statusCode: 202 });
      expect(await invoke('x'.repeat(11))).toMatchObject({ statusCode: 413 });
      expect(stdout.mock.calls).toEqual([['{"level":"INFO","message":"callback answered","status":202}'], ['{"level":"INFO","message":"callback answered","status":413}']]);
      await handler({ httpMethod: 'POST', requestContext: {}, pathParameters: { token: newCallbackToken() }, headers: {}, body: '{}', isBase64Encoded: false } as unknown as APIGatewayProxyEvent);
      expect(dynamo.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.TableName)).toEqual(['callbacks']);
    } finally {
      dynamo.restore();
      stdout.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});
