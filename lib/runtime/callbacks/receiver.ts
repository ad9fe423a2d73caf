/**
 * The callback receiver: what `POST /callbacks/{token}` runs, in the stack and locally. The remote API reaches it
 * without AWS signatures; the per-run token in the URL is the only credential. Whatever happens (a wrong or
 * expired token, a duplicate, a run that already finished) the answer is the same 202, so the route reveals
 * nothing about which runs exist; only a body over the cap is refused, before any look-up.
 *
 * A callback only wakes the run: its payload is handed to the waiting Task, and an interruptible poll wait
 * drops it (the poll decides the route). Each token wakes its run once; replays and duplicates do nothing.
 */
import { waitKey, type CallbackStore } from './store.ts';
import { callbackTokenHash, isWellFormedCallbackToken } from './tokens.ts';
import type { TaskTokenSender, WakeMessage, WakeTarget } from './types.ts';

export const DEFAULT_MAX_CALLBACK_BODY_BYTES = 64 * 1024;
/** A wake that finds no wait armed is kept this long for the next wait of that run. */
export const PENDING_WAKE_TTL_SECONDS = 24 * 60 * 60;

export interface ReceiverDeps {
  store: CallbackStore;
  tasks: TaskTokenSender;
  now: () => number;
  /** @default DEFAULT_MAX_CALLBACK_BODY_BYTES */
  maxBodyBytes?: number;
}

export interface CallbackRequest {
  /** The last path segment of the callback URL. */
  token: string;
  body: string;
  headers: Record<string, string | undefined>;
}

export interface CallbackAnswer {
  status: number;
  body: string;
}

export const ACCEPTED: CallbackAnswer = { status: 202, body: '{"accepted":true}' };

/** The answer to a body over the cap, whatever the token: checked before any look-up. */
export function tooLarge(maxBytes: number): CallbackAnswer {
  return { status: 413, body: JSON.stringify({ message: `a callback body is at most ${maxBytes} bytes` }) };
}

export async function receiveCallback(request: CallbackRequest, deps: ReceiverDeps): Promise<CallbackAnswer> {
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_CALLBACK_BODY_BYTES;
  // Stryker disable next-line StringLiteral: Buffer.byteLength counts an empty (falsy) encoding as utf8, so '' and 'utf8' agree
  if (Buffer.byteLength(request.body, 'utf8') > maxBytes) return tooLarge(maxBytes);
  if (!isWellFormedCallbackToken(request.token)) return ACCEPTED;
  const target = await deps.store.claimToken(callbackTokenHash(request.token));
  if (target === undefined) return ACCEPTED;
  await wakeWait(target, callbackMessage(request), deps);
  return ACCEPTED;
}

/**
 * Wakes one wait of a run: succeeds its armed task token, or leaves the wake pending for its next wait (the run
 * is between waits, the armed token went stale, or the run finished, where the pending wake simply expires).
 */
export async function wakeWait(target: WakeTarget, message: WakeMessage, deps: Pick<ReceiverDeps, 'store' | 'tasks' | 'now'>): Promise<'woken' | 'pending'> {
  const key = waitKey(target);
  const expiresAt = deps.now() + PENDING_WAKE_TTL_SECONDS * 1000;
  // A stale token has been taken out of the store, so the next round leaves the wake pending.
  for (let round = 0; round < 3; round++) {
    const taskToken = await deps.store.wake(key, message, expiresAt);
    if (taskToken === undefined) return 'pending';
    if ((await deps.tasks.succeed(taskToken, message)) === 'sent') return 'woken';
  }
  return 'pending';
}

/** Headers that are credentials or infrastructure, never handed to a run. */
const DROPPED_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|host|via|forwarded|x-forwarded-.*|x-amz.*|x-amzn-.*|cloudfront-.*|x-real-ip|cdn-loop)$/;
const MAX_HEADERS = 50;
const MAX_HEADER_VALUE = 1024;

/** The callback as a message: its JSON body (or its text when it is not JSON) and its plain headers, lower-cased. */
export function callbackMessage(request: Pick<CallbackRequest, 'body' | 'headers'>): WakeMessage {
  let payload: unknown = request.body;
  try {
    payload = request.body.trim() === '' ? null : (JSON.parse(request.body) as unknown);
  } catch {
    // Not JSON: the text itself.
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || DROPPED_HEADER.test(lower) || Object.keys(headers).length >= MAX_HEADERS) continue;
    headers[lower] = value.slice(0, MAX_HEADER_VALUE);
  }
  return { payload, headers };
}
