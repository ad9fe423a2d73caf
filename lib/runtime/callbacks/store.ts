/**
 * Where callback tokens and waiting task tokens are kept between a run's steps: DynamoDB in the stack
 * (lambdas/callbacks/dynamodb-store.ts), memory locally (memory-store.ts). Every entry expires; an expired
 * entry reads as absent even before the store deletes it (DynamoDB's TTL deletes lazily).
 */
import type { WakeMessage, WakeTarget } from './types.ts';

export interface CallbackStore {
  /**
   * Keeps a callback token's hash (never the token) and the wait it wakes, until `expiresAt` (epoch ms). A
   * `reusable` token (a receive step's, which may get messages that are not its own first) is never used up.
   */
  putToken(tokenHash: string, target: WakeTarget, expiresAt: number, options?: { reusable?: boolean }): Promise<void>;
  /** The first claim of a live token returns its target (every claim, for a reusable one); an unknown, expired or already claimed one: undefined. */
  claimToken(tokenHash: string): Promise<WakeTarget | undefined>;
  /**
   * A wait begins: keep its task token until `expiresAt`, unless a wake is already pending for this wait; then
   * that wake is consumed and returned, and the wait should end at once.
   */
  arm(waitKey: string, taskToken: string, expiresAt: number): Promise<WakeMessage | undefined>;
  /**
   * A wake arrives: take (and remove) the armed task token; when none is armed (the run is between waits, or
   * finished), leave the message as a pending wake until `expiresAt` and return undefined.
   */
  wake(waitKey: string, message: WakeMessage, expiresAt: number): Promise<string | undefined>;
}

/** The key of one wait of one run. */
export function waitKey(target: WakeTarget): string {
  return `${target.executionId}#${target.waitId}`;
}
