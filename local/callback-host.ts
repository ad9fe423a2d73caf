/**
 * The callback side of the stack, on this machine: the receiver (`POST /callbacks/{token}` on 127.0.0.1, the same
 * receiver logic as the stack's Lambda), a memory store, and task tokens that stand in for Step Functions'
 * waitForTaskToken. `executeLocally` starts one when its definition has wake-up waits.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callbackIssuer, type CallbackIssuer } from '../lib/runtime/callbacks/issuer.ts';
import { memoryCallbackStore } from '../lib/runtime/callbacks/memory-store.ts';
import { DEFAULT_MAX_CALLBACK_BODY_BYTES, receiveCallback, tooLarge } from '../lib/runtime/callbacks/receiver.ts';
import { registerWait } from '../lib/runtime/callbacks/registrar.ts';
import type { CallbackStore } from '../lib/runtime/callbacks/store.ts';
import type { TaskTokenSender, WakeMessage, WakeWaitEvent } from '../lib/runtime/callbacks/types.ts';
import { VirtualClock, type Clock } from './clock.ts';

export const CALLBACK_PATH = '/callbacks/';

/** SendTaskSuccess, locally: a token succeeds the one wait that still expects it; any other is stale. */
export class LocalTaskTokens implements TaskTokenSender {
  private readonly waiting = new Map<string, (message: WakeMessage) => void>();
  private count = 0;

  /** A fresh task token and the wake it will receive. */
  issue(): { taskToken: string; woken: Promise<WakeMessage> } {
    const taskToken = `local-task-token-${++this.count}-${Math.random().toString(36).slice(2)}`;
    const woken = new Promise<WakeMessage>((resolve) => this.waiting.set(taskToken, resolve));
    return { taskToken, woken };
  }

  /** The wait ended without a wake (timed out): its token goes stale. */
  forget(taskToken: string): void {
    this.waiting.delete(taskToken);
  }

  async succeed(taskToken: string, output: WakeMessage): Promise<'sent' | 'stale'> {
    const resolve = this.waiting.get(taskToken);
    if (resolve === undefined) return 'stale';
    this.waiting.delete(taskToken);
    resolve(output);
    return 'sent';
  }
}

/** The error a wake-up wait Task ends with at its deadline; the compiled Catch matches its name. */
export class StatesTimeout extends Error {
  override readonly name = 'States.Timeout';
}

export interface CallbackHost {
  /** `http://127.0.0.1:<port>/callbacks/`: a run's callback URL is this and its token. */
  readonly baseUrl: string;
  readonly store: CallbackStore;
  readonly tasks: LocalTaskTokens;
  readonly issuer: CallbackIssuer;
  /** The override of a wake-up wait Task: resolves with the wake's message, or throws StatesTimeout at the deadline. */
  wait(event: WakeWaitEvent): Promise<{ message: WakeMessage; waitedMs: number }>;
  /** Callbacks received, by outcome (for progress lines and tests); never tokens. */
  readonly received: { accepted: number; tooLarge: number };
  stop(): Promise<void>;
}

export async function startCallbackHost(options: { clock: Clock; maxBodyBytes?: number }): Promise<CallbackHost> {
  const { clock } = options;
  const now = () => clock.now();
  const store = memoryCallbackStore(now);
  const tasks = new LocalTaskTokens();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_CALLBACK_BODY_BYTES;
  const received = { accepted: 0, tooLarge: 0 };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'POST' || !url.pathname.startsWith(CALLBACK_PATH)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
        return;
      }
      const body = await readCapped(req, maxBodyBytes);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      const answer =
        body === undefined
          ? tooLarge(maxBodyBytes)
          : await receiveCallback({ token: safeDecode(url.pathname.slice(CALLBACK_PATH.length)), body, headers }, { store, tasks, now, maxBodyBytes });
      if (answer.status === 413) received.tooLarge += 1;
      else received.accepted += 1;
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"receiver error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;

  return {
    baseUrl,
    store,
    tasks,
    issuer: callbackIssuer({ store, baseUrl, now }),
    received,
    wait: (event) => waitForWake(event, { clock, store, tasks }),
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * waitForTaskToken, emulated: the registrar runs with a fresh task token; then, on a VirtualClock, the clock steps
 * to each scheduled task (a simulator's callback) up to the deadline, and the wait ends at the first wake; on real
 * time it races a timer.
 */
async function waitForWake(
  event: WakeWaitEvent,
  deps: { clock: Clock; store: CallbackStore; tasks: LocalTaskTokens },
): Promise<{ message: WakeMessage; waitedMs: number }> {
  const { clock, tasks } = deps;
  const startedAt = clock.now();
  const deadline = startedAt + event.timeoutSeconds * 1000;
  const { taskToken, woken } = tasks.issue();
  let wake: WakeMessage | undefined;
  void woken.then((message) => (wake = message));
  await registerWait({ ...event, taskToken }, { store: deps.store, tasks, now: () => clock.now() });
  await Promise.resolve();

  if (clock instanceof VirtualClock) {
    await clock.settle();
    while (wake === undefined) {
      const next = clock.nextTaskAt();
      const until = next === undefined || next > deadline ? deadline : next;
      clock.advance(Math.max(0, until - clock.now()));
      await clock.settle();
      await Promise.resolve();
      if (wake === undefined && until >= deadline) break;
    }
  } else {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - clock.now()))));
    wake = await Promise.race([woken, timeout]);
    clearTimeout(timer);
  }
  if (wake === undefined) {
    tasks.forget(taskToken);
    throw new StatesTimeout(`the wait ${event.waitId} timed out after ${event.timeoutSeconds} s without a wake`);
  }
  return { message: wake, waitedMs: clock.now() - startedAt };
}

/** The body, or undefined when it passes `maxBytes` (the rest is read and dropped, so the answer still arrives). */
async function readCapped(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** A malformed escape is kept as written: it is then simply not a token. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
