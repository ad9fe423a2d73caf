/**
 * Makes a run's callback URL: a fresh token, its hash stored with the wait it wakes, the URL returned. The step
 * runner calls it when it builds a request that carries a callback URL (StepPlan.callback).
 */
import type { CallbackStore } from './store.ts';
import { callbackTokenHash, newCallbackToken } from './tokens.ts';
import type { WakeTarget } from './types.ts';

export interface CallbackIssuer {
  /** A new callback URL for `target`, valid for `ttlSeconds`; `token` is what must never be logged or kept in the state. */
  issue(target: WakeTarget, ttlSeconds: number, options?: { reusable?: boolean }): Promise<{ url: string; token: string }>;
}

export function callbackIssuer(options: { store: CallbackStore; baseUrl: string; now: () => number }): CallbackIssuer {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  if (!/^https?:\/\/[^/]/.test(base)) throw new Error(`the callback base URL must be an absolute http(s) URL, not '${options.baseUrl}'`);
  return {
    async issue(target, ttlSeconds, tokenOptions) {
      const token = newCallbackToken();
      await options.store.putToken(callbackTokenHash(token), target, options.now() + ttlSeconds * 1000, tokenOptions);
      return { url: `${base}${token}`, token };
    },
  };
}
