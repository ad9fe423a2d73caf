/**
 * Arazzo 1.1 receive steps (`action: receive` on an HTTP webhook channel of an AsyncAPI description), compiled
 * onto the durable wake-up wait (issue 12's callbacks primitive):
 *
 *   S (step runner, phase start: the correlation ID it waits for, the deadline its timeout sets)
 *   → "Ready to receive S" (Choice: awaitMessage, or a failure route to "After S")
 *   → "Receive S" (the durable wait: a waitForTaskToken Task the callback receiver wakes with the message;
 *      TimeoutSecondsPath from the step's timeout; the message lands in $.receive.message; a timeout leaves
 *      the state as it was)
 *   → "Message of S" (step runner, phase finish: the message → successCriteria, outputs, actions; a timeout
 *      fails the step, so onFailure applies; a message that is not this step's sends the run back to the wait)
 *   → "After S" (the usual Choice, with one more rule: awaitMessage → "Receive S").
 */
import { resolveReceiveTarget } from '../arazzo/receive-steps.ts';
import type { LoadedArazzo } from '../arazzo/load.ts';
import type { Step, Workflow } from '../arazzo/types.ts';
import type { AslChoiceRule, AslState } from './asl.ts';
import { Route, type ReceivePlan, type StepPlan, type WorkflowCallPhase } from './step-plan.ts';

/** Messages larger than this fail the step: with the 200 KiB state budget it stays under Step Functions' 256 KiB. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

export const readyToReceiveState = (stepId: string) => `Ready to receive ${stepId}`;
export const receiveState = (stepId: string) => `Receive ${stepId}`;
export const messageState = (stepId: string) => `Message of ${stepId}`;

/** Where the wait leaves the message, and the seconds it may wait; the finish phase reads `state.receive`. */
export const MESSAGE_PATH = '$.receive.message';
export const TIMEOUT_SECONDS_PATH = '$.receive.timeoutSeconds';

/**
 * What the compiler asks of the durable wait (the callbacks primitive's wakeWaitState, lib/compile/wake-wait.ts):
 * the message goes to `resultPath`; a timeout leaves the state as it was and goes to `onTimeout`.
 */
export interface MessageWait {
  waitId: string;
  timeoutSecondsPath: string;
  resultPath: string;
  next: string;
  onTimeout: string;
  comment: string;
}

export type MessageWaitBuilder = (wait: MessageWait) => AslState;

/** The receive plan of a step: the channel, the correlation, the timeout in whole seconds. */
export function receivePlan(loaded: LoadedArazzo, workflow: Workflow, step: Step, defaultTimeoutSeconds: number): ReceivePlan {
  const target = resolveReceiveTarget(loaded, workflow, step);
  return {
    channel: `${target.source}#${target.operationId !== undefined ? `/operations/${target.operationId}` : `/channels/${target.channel.key}`}`,
    // The loader refuses a correlationId on messages that declare no correlation location, so it has one here.
    ...(step.correlationId !== undefined ? { correlationId: step.correlationId, correlation: target.correlation! } : {}),
    headers: target.headers,
    // Arazzo's timeout is in milliseconds; Step Functions' in whole seconds. Without one, the deployment's loop budget.
    timeoutSeconds: step.timeout !== undefined ? Math.max(1, Math.ceil(step.timeout / 1000)) : defaultTimeoutSeconds,
    maxMessageBytes: MAX_MESSAGE_BYTES,
  };
}

/** The states of a receive step; the entry state is named after the step, so gotos and waits reach it. */
export function receiveStates(
  plan: StepPlan,
  after: string,
  stepRunnerTask: (phase: WorkflowCallPhase, next: string) => AslState,
  waitFor: MessageWaitBuilder,
): Array<[string, AslState]> {
  const receive = plan.receive!;
  const wait = receiveState(plan.stepId);
  const finish = messageState(plan.stepId);
  return [
    [plan.stepId, stepRunnerTask('start', readyToReceiveState(plan.stepId))],
    [
      readyToReceiveState(plan.stepId),
      {
        Type: 'Choice',
        Choices: [{ Variable: '$.control.route', StringEquals: Route.awaitMessage, Next: wait, Comment: `wait for a message on ${receive.channel}` }],
        Default: after,
      },
    ],
    [
      wait,
      waitFor({
        waitId: plan.stepId,
        timeoutSecondsPath: TIMEOUT_SECONDS_PATH,
        resultPath: MESSAGE_PATH,
        next: finish,
        onTimeout: finish,
        comment: `Arazzo step ${plan.stepId}: waits for a message on ${receive.channel}, at most ${receive.timeoutSeconds} s`,
      }),
    ],
    [finish, stepRunnerTask('finish', after)],
  ];
}

/** The extra rule of "After S" of a receive step: a message that was not this step's sends the run back to the wait. */
export function awaitAgainRule(plan: StepPlan): AslChoiceRule[] {
  return [{ Variable: '$.control.route', StringEquals: Route.awaitMessage, Next: receiveState(plan.stepId), Comment: 'not this step\'s message: wait again for the time left' }];
}

/** Seconds the receive steps of these plans may wait, together: part of the run's time budget. */
export function receiveTimeoutSeconds(plans: StepPlan[]): number {
  return plans.reduce((sum, plan) => sum + (plan.receive?.timeoutSeconds ?? 0), 0);
}
