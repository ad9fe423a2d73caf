import type { CallbackStore } from './store.ts';
import type { WakeMessage, WakeTarget } from './types.ts';

interface WaitEntry {
  taskToken?: string;
  pending?: WakeMessage;
  expiresAt: number;
}

/** A `CallbackStore` in memory: the local runner's and the tests'. `now` is the clock entries expire on. */
export function memoryCallbackStore(now: () => number = Date.now): CallbackStore {
  const tokens = new Map<string, { target: WakeTarget; expiresAt: number; claimed: boolean; reusable: boolean }>();
  const waits = new Map<string, WaitEntry>();
  const live = <T extends { expiresAt: number }>(entry: T | undefined): T | undefined => (entry !== undefined && entry.expiresAt > now() ? entry : undefined);
  return {
    async putToken(tokenHash, target, expiresAt, options) {
      tokens.set(tokenHash, { target: { ...target }, expiresAt, claimed: false, reusable: options?.reusable === true });
    },
    async claimToken(tokenHash) {
      const entry = live(tokens.get(tokenHash));
      if (entry === undefined || entry.claimed) return undefined;
      entry.claimed = !entry.reusable;
      return { ...entry.target };
    },
    async arm(key, taskToken, expiresAt) {
      const pending = live(waits.get(key))?.pending;
      if (pending !== undefined) {
        waits.delete(key);
        return pending;
      }
      waits.set(key, { taskToken, expiresAt });
      return undefined;
    },
    async wake(key, message, expiresAt) {
      const armed = live(waits.get(key))?.taskToken;
      if (armed !== undefined) {
        waits.delete(key);
        return armed;
      }
      waits.set(key, { pending: message, expiresAt });
      return undefined;
    },
  };
}
