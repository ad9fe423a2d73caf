/**
 * The wake-up wait's runtime, shared by the stack's Lambdas and the local runner: the registrar arms a wait or ends
 * it at once when a wake is pending; the receiver claims a token once and wakes the wait it names; every answer
 * but an oversized body's is the same 202.
 */
import { describe, expect, it } from 'vitest';
import { callbackIssuer } from '../lib/runtime/callbacks/issuer.ts';
import { memoryCallbackStore } from '../lib/runtime/callbacks/memory-store.ts';
import { ACCEPTED, callbackMessage, receiveCallback, wakeWait } from '../lib/runtime/callbacks/receiver.ts';
import { registerWait } from '../lib/runtime/callbacks/registrar.ts';
import { waitKey } from '../lib/runtime/callbacks/store.ts';
import { callbackTokenHash, isWellFormedCallbackToken, newCallbackToken, sameHash } from '../lib/runtime/callbacks/tokens.ts';
import type { TaskTokenSender, WakeMessage, WakeWaitEvent } from '../lib/runtime/callbacks/types.ts';

const target = { executionId: 'arn:aws:states:us-east-1:1:execution:sm:run-1', waitId: 'poll' };

function world(start = 1_000_000) {
  let time = start;
  const now = () => time;
  const store = memoryCallbackStore(now);
  const sent: Array<{ taskToken: string; output: WakeMessage }> = [];
  const live = new Set<string>();
  const tasks: TaskTokenSender = {
    async succeed(taskToken, output) {
      if (!live.has(taskToken)) return 'stale';
      live.delete(taskToken);
      sent.push({ taskToken, output });
      return 'sent';
    },
  };
  const issuer = callbackIssuer({ store, baseUrl: 'https://api.example.com/prod/callbacks', now });
  const waitEvent = (taskToken: string, timeoutSeconds = 60): WakeWaitEvent => {
    live.add(taskToken);
    return { taskToken, timeoutSeconds, ...target };
  };
  return { store, tasks, sent, issuer, now, waitEvent, live, advance: (ms: number) => (time += ms) };
}

const post = (token: string, body = '{"status":"succeeded"}') => ({ token, body, headers: { 'content-type': 'application/json' } });

describe('callback tokens', () => {
  it('are 256 random bits in base64url, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 100 }, newCallbackToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(isWellFormedCallbackToken(token)).toBe(true);
    expect(Buffer.from([...tokens][0]!, 'base64url')).toHaveLength(32);
  });

  it('are stored as their SHA-256 only, and compared in constant time', async () => {
    const { issuer, store } = world();
    const { url, token } = await issuer.issue(target, 3600);
    expect(url).toBe(`https://api.example.com/prod/callbacks/${token}`);
    expect(await store.claimToken(token)).toBeUndefined();
    expect(await store.claimToken(callbackTokenHash(token))).toEqual(target);
    expect(sameHash(callbackTokenHash(token), callbackTokenHash(token))).toBe(true);
    expect(sameHash(callbackTokenHash(token), callbackTokenHash(newCallbackToken()))).toBe(false);
    expect(sameHash('a', 'ab')).toBe(false);
  });
});

describe('a callback to a waiting run', () => {
  it('succeeds the armed task token with the callback as the message', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600);
    expect(await registerWait(w.waitEvent('task-1'), w)).toEqual({ outcome: 'armed' });
    expect(await receiveCallback(post(token), w)).toEqual(ACCEPTED);
    expect(w.sent).toEqual([{ taskToken: 'task-1', output: { payload: { status: 'succeeded' }, headers: { 'content-type': 'application/json' } } }]);
  });

  it('that came while the run was polling (no wait armed) ends its next wait at once', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600);
    expect(await receiveCallback(post(token), w)).toEqual(ACCEPTED);
    expect(w.sent).toEqual([]);
    expect(await registerWait(w.waitEvent('task-2'), w)).toEqual({ outcome: 'woken' });
    expect(w.sent.map((s) => s.taskToken)).toEqual(['task-2']);
    // Consumed: the wait after that one waits again.
    expect(await registerWait(w.waitEvent('task-3'), w)).toEqual({ outcome: 'armed' });
  });

  it('whose armed task token went stale (the wait timed out) is kept for the next wait', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600);
    await registerWait(w.waitEvent('task-1'), w);
    w.live.delete('task-1');
    await receiveCallback(post(token), w);
    expect(w.sent).toEqual([]);
    expect(await registerWait(w.waitEvent('task-2'), w)).toEqual({ outcome: 'woken' });
  });

  it('wakes the run once: a duplicate or replay of the same URL neither wakes a wait nor leaves a wake pending', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600);
    await registerWait(w.waitEvent('task-1'), w);
    await receiveCallback(post(token), w);
    expect(await receiveCallback(post(token), w)).toEqual(ACCEPTED);
    expect(await registerWait(w.waitEvent('task-2'), w)).toEqual({ outcome: 'armed' });
    expect(await receiveCallback(post(token, '{"status":"failed"}'), w)).toEqual(ACCEPTED);
    expect(w.sent.map((s) => s.taskToken)).toEqual(['task-1']);
  });
});

describe('a reusable token (a receive step\'s)', () => {
  it('wakes its wait again after a message that was not its own, while a one-shot token does not', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600, { reusable: true });
    await registerWait(w.waitEvent('task-1'), w);
    await receiveCallback(post(token, '{"correlation":"someone else"}'), w);
    await registerWait(w.waitEvent('task-2'), w);
    await receiveCallback(post(token, '{"correlation":"mine"}'), w);
    expect(w.sent.map((s) => s.taskToken)).toEqual(['task-1', 'task-2']);
    w.advance(3601_000);
    await registerWait(w.waitEvent('task-3'), w);
    await receiveCallback(post(token), w);
    expect(w.sent).toHaveLength(2);
  });
});

describe('a callback that must do nothing', () => {
  it('with a forged, malformed or expired token is answered the same 202 and wakes nothing', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 60);
    await registerWait(w.waitEvent('task-1', 600), w);
    for (const forged of [newCallbackToken(), `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, '', 'x', '../../etc', `${token}x`, token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase()]) {
      expect(await receiveCallback(post(forged), w)).toEqual(ACCEPTED);
    }
    w.advance(61_000);
    expect(await receiveCallback(post(token), w)).toEqual(ACCEPTED);
    expect(w.sent).toEqual([]);
  });

  it('with a body over the cap is refused with 413 before the token is even looked at', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600);
    await registerWait(w.waitEvent('task-1'), w);
    const answer = await receiveCallback(post(token, `"${'x'.repeat(64 * 1024)}"`), w);
    expect(answer.status).toBe(413);
    expect((await receiveCallback(post(newCallbackToken(), `"${'x'.repeat(64 * 1024)}"`), w)).status).toBe(413);
    expect(w.sent).toEqual([]);
    // The token was not spent: the real callback still wakes the run.
    await receiveCallback(post(token), w);
    expect(w.sent).toHaveLength(1);
  });

  it('for a finished run (nothing will wait again) is answered the same and only leaves a wake that expires', async () => {
    const w = world();
    const { token } = await w.issuer.issue(target, 3600);
    expect(await receiveCallback(post(token), w)).toEqual(ACCEPTED);
    expect(w.sent).toEqual([]);
    w.advance(25 * 60 * 60 * 1000);
    expect(await w.store.arm(waitKey(target), 'late', w.now() + 1000)).toBeUndefined();
  });
});

describe('the registrar', () => {
  it('lets the wait run its full time when the store fails, instead of failing the run', async () => {
    const w = world();
    const broken = { ...w, store: { ...w.store, arm: () => Promise.reject(Object.assign(new Error('secret detail'), { name: 'ProvisionedThroughputExceededException' })) } };
    expect(await registerWait(w.waitEvent('task-1'), broken)).toEqual({ outcome: 'unarmed', error: 'ProvisionedThroughputExceededException' });
  });

  it('refuses an event that did not come from a compiled wait, without echoing its task token', async () => {
    const w = world();
    const bad = { taskToken: 'secret-task-token', executionId: '', waitId: 'poll', timeoutSeconds: 0 } as WakeWaitEvent;
    await expect(registerWait(bad, w)).rejects.toThrow(/lacks executionId, timeoutSeconds/);
    await expect(registerWait(bad, w)).rejects.not.toThrow(/secret-task-token/);
  });
});

describe('wakeWait (for correlated messages)', () => {
  it('wakes the named wait or leaves the wake pending', async () => {
    const w = world();
    expect(await wakeWait(target, { payload: 1, headers: {} }, w)).toBe('pending');
    expect(await registerWait(w.waitEvent('t'), w)).toEqual({ outcome: 'woken' });
    await registerWait(w.waitEvent('u'), w);
    expect(await wakeWait(target, { payload: 2, headers: {} }, w)).toBe('woken');
  });
});

describe('callbackMessage', () => {
  it('keeps the JSON body and plain headers, never credentials or infrastructure headers', () => {
    const message = callbackMessage({
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x', Cookie: 'c=1', 'X-Forwarded-For': '1.2.3.4', 'X-Amzn-Trace-Id': 't', 'X-Signature': 'sig' },
    });
    expect(message).toEqual({ payload: { a: 1 }, headers: { 'content-type': 'application/json', 'x-signature': 'sig' } });
    expect(callbackMessage({ body: 'not json', headers: {} }).payload).toBe('not json');
  });
});
