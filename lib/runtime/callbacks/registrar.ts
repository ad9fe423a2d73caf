/**
 * The registrar: the function a wake-up wait Task invokes with its task token. It keeps the token where a
 * callback can find it, or, when the callback came first (the run was busy polling), ends the wait at once.
 */
import { waitKey, type CallbackStore } from './store.ts';
import type { TaskTokenSender, WakeWaitEvent } from './types.ts';

/** An armed task token outlives its wait by this much, so a late wake finds it stale (and leaves a pending wake) rather than nothing. */
const ARMED_MARGIN_SECONDS = 300;

export interface RegistrarDeps {
  store: CallbackStore;
  tasks: TaskTokenSender;
  now: () => number;
}

/**
 * `unarmed`: the store or SendTaskSuccess failed (its error's name is given, never its message). The wait then
 * runs its full time like a plain Wait, and the run polls as it would have: trouble here costs lag, never the run.
 */
export async function registerWait(event: WakeWaitEvent, deps: RegistrarDeps): Promise<{ outcome: 'armed' | 'woken' | 'unarmed'; error?: string }> {
  checkEvent(event);
  const expiresAt = deps.now() + (event.timeoutSeconds + ARMED_MARGIN_SECONDS) * 1000;
  try {
    const pending = await deps.store.arm(waitKey(event), event.taskToken, expiresAt);
    if (pending === undefined) return { outcome: 'armed' };
    await deps.tasks.succeed(event.taskToken, pending);
    return { outcome: 'woken' };
  } catch (error) {
    return { outcome: 'unarmed', error: (error as Error).name };
  }
}

/** The compiled Task always sends these; anything else is a hand-made invoke, refused without echoing it (it holds a task token). */
function checkEvent(event: WakeWaitEvent): void {
  const problems = [
    typeof event?.taskToken === 'string' && event.taskToken !== '' ? undefined : 'taskToken',
    typeof event?.executionId === 'string' && event.executionId !== '' ? undefined : 'executionId',
    typeof event?.waitId === 'string' && event.waitId !== '' ? undefined : 'waitId',
    Number.isInteger(event?.timeoutSeconds) && event.timeoutSeconds >= 1 ? undefined : 'timeoutSeconds',
  ].filter((p) => p !== undefined);
  if (problems.length > 0) {
    throw new Error(`the wake-up wait event lacks ${problems.join(', ')}; it must come from a compiled wake-up wait Task (taskToken, executionId, waitId, timeoutSeconds >= 1)`);
  }
}
