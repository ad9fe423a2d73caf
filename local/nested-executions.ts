/**
 * Local stand-in for `arn:aws:states:::states:startExecution.sync:2`: the child's definition runs as its own
 * local execution, and the Task gets what Step Functions gives it.
 *
 * - Succeeded: DescribeExecution's fields, with `Input` and `Output` as JSON values (`.sync:2`; plain `.sync`
 *   would give JSON text).
 * - Failed, timed out or aborted: the Task fails with `States.TaskFailed`, its Cause the child's execution
 *   description as JSON text, which carries the child's own Error and Cause.
 */
import type { AslDefinition } from '../lib/compile/asl.ts';

/** The slice of executeLocally this module needs (passed in, to keep the modules acyclic). */
export interface ChildRun {
  status: 'SUCCEEDED' | 'FAILED';
  executionArn: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface NestedRunsOptions<R extends ChildRun> {
  /** Definitions by state machine ARN (as the synthesized template names them). */
  stateMachines: Record<string, AslDefinition>;
  /** The parent's execution name; children are named after it. */
  parentName: string;
  run: (definition: AslDefinition, input: Record<string, unknown>, executionName: string, stateMachineArn: string) => Promise<R>;
  /** Called when a child starts and when it has ended, in that order. */
  onStart?: (child: { executionArn: string; stateMachineArn: string; stateName: string }) => void;
  onEnd?: (child: R, stateName: string) => void;
}

/** A Task handler for aws-local-stepfunctions that runs the nested execution a `.sync:2` Task starts. */
export function nestedExecutionHandler<R extends ChildRun>(stateName: string, options: NestedRunsOptions<R>, counter: { n: number }) {
  return async (request: unknown): Promise<Record<string, never>> => {
    const { StateMachineArn, Input } = request as { StateMachineArn?: string; Input?: unknown };
    const definition = StateMachineArn === undefined ? undefined : options.stateMachines[StateMachineArn];
    if (definition === undefined) {
      const error = new Error(`State machine does not exist: ${String(StateMachineArn)}`);
      error.name = 'StepFunctions.StateMachineDoesNotExistException';
      throw error;
    }
    counter.n += 1;
    const name = `${options.parentName}-${counter.n}`.slice(0, 80);
    const machineName = StateMachineArn!.split(':').pop()!;
    const executionArn = `arn:aws:states:local:000000000000:execution:${machineName}:${name}`;
    const input = (typeof Input === 'object' && Input !== null ? Input : {}) as Record<string, unknown>;
    const startDate = Date.now();
    options.onStart?.({ executionArn, stateMachineArn: StateMachineArn!, stateName });
    const child = await options.run(definition, input, name, StateMachineArn!);
    options.onEnd?.(child, stateName);
    const description = { ExecutionArn: child.executionArn, Name: name, StateMachineArn, StartDate: startDate, StopDate: Date.now() };
    if (child.status === 'SUCCEEDED') {
      return {
        ...description,
        Input: input,
        InputDetails: { Included: true },
        Output: child.output,
        OutputDetails: { Included: true },
        Status: 'SUCCEEDED',
      } as unknown as Record<string, never>;
    }
    const failure = new Error(JSON.stringify({ ...description, Status: 'FAILED', Error: child.error, Cause: child.cause }));
    failure.name = 'States.TaskFailed';
    throw failure;
  };
}
