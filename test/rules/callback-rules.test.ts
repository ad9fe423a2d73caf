/**
 * The rules of the callback route and the wake-up wait that the security tests state only in bulk: what a token
 * looks like, where the body cap sits, how long a wake is kept, what the registrar accepts.
 */
import { describe, expect, it } from 'vitest';
import { callbackIssuer } from '../../lib/runtime/callbacks/issuer.ts';
import { memoryCallbackStore } from '../../lib/runtime/callbacks/memory-store.ts';
import { ACCEPTED, callbackMessage, receiveCallback, wakeWait } from '../../lib/runtime/callbacks/receiver.ts';
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
