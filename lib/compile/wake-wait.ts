/**
 * The durable wake-up wait: a Task that hands its task token to the callback registrar and then waits, for at most
 * the seconds the state says, until something calls SendTaskSuccess with that token. It is the one primitive
 * behind interruptible poll waits (a callback ends the wait early, then the run polls as usual) and Arazzo 1.1
 * `receive` steps (the message is the result). See docs/callbacks.md.
 */
import type { AslState } from './asl.ts';
import { LAMBDA_RETRY } from './compile-workflow.ts';

export const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Replaced by the construct (definitionSubstitutions) with the registrar function's ARN; locally the Task is overridden. */
export const CALLBACK_REGISTRAR_PLACEHOLDER = '${CallbackRegistrarFunctionArn}';

export interface WakeWaitOptions {
  /** What identifies the wait within the run: for a poll loop the loop target's stepId, for a receive step its stepId. */
  waitId: string;
  /** Where the state holds the most seconds to wait (a whole number, at least 1). */
  timeoutSecondsPath: string;
  /** Where the wake's message goes; null keeps the state as it was (the poll, not the callback, decides). */
  resultPath: string | null;
  /** The state after a wake. */
  next: string;
  /** The state after the wait timed out (the state unchanged): a timeout is how a wait that no callback ends ends. */
  onTimeout: string;
  /** What the console shows on the state: what it waits for, and what ends the wait. */
  comment: string;
  /** @default CALLBACK_REGISTRAR_PLACEHOLDER */
  functionArn?: string;
}

/** A wake-up wait as a Task state (payload: `WakeWaitEvent` of lib/runtime/callbacks/types.ts). */
export function wakeWaitState(options: WakeWaitOptions): AslState {
  return {
    Type: 'Task',
    Comment: options.comment,
    Resource: WAIT_FOR_TASK_TOKEN,
    Parameters: {
      FunctionName: options.functionArn ?? CALLBACK_REGISTRAR_PLACEHOLDER,
      Payload: {
        'taskToken.$': '$$.Task.Token',
        'executionId.$': '$$.Execution.Id',
        waitId: options.waitId,
        'timeoutSeconds.$': options.timeoutSecondsPath,
      },
    },
    TimeoutSecondsPath: options.timeoutSecondsPath,
    ResultPath: options.resultPath,
    // Trouble invoking the registrar is retried; the wait itself is bounded by TimeoutSecondsPath.
    Retry: [LAMBDA_RETRY],
    Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: options.onTimeout }],
    Next: options.next,
  };
}
