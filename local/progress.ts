/**
 * Progress lines as the Step Functions console would list the run: one per state, with the run's clock.
 * Generic: a Task line shows the HTTP status and the step's short outputs (where an API's remote status is).
 */
import { INPUTS_GATE_STATE } from '../lib/compile/parallel-states.ts';
import type { RunState } from '../lib/compile/step-plan.ts';
import type { LocalEvent } from './local-execution.ts';

const MAX_VALUE_LENGTH = 48;

export function createProgressPrinter(writeLine: (line: string) => void, clockLabel: 'virtual' | 'real'): (event: LocalEvent) => void {
  const visits = new Map<string, number>();
  const time = (ms: number) => `[${(ms / 1000).toFixed(1).padStart(7)}s ${clockLabel}]`;
  return (event) => {
    if (!event.stateName) return;
    if (event.type.startsWith('ChildExecution')) {
      const what = event.type === 'ChildExecutionStarted' ? 'started' : event.type === 'ChildExecutionSucceeded' ? 'succeeded' : `failed with ${event.error}`;
      writeLine(`${time(event.elapsedMs)} ${event.stateName}  nested execution ${executionName(event.executionArn)} ${what}`);
      return;
    }
    // A nested execution's lines are indented under the Task that runs it and name their execution.
    const nested = event.executionArn === undefined ? '' : `  ↳ ${executionName(event.executionArn)} › `;
    const key = `${event.executionArn ?? ''} ${event.stateName}`;
    const write = (line: string) => writeLine(line.replace(/^(\[[^\]]*\] )/, `$1${nested}`));
    if (event.wake !== undefined) {
      const waited = `${((event.waitedMs ?? 0) / 1000).toFixed(1)}s`;
      write(`${time(event.elapsedMs)} ${event.stateName}  ${event.wake === 'callback' ? `woken by a callback after ${waited}` : `${waited}, no callback`}`);
      return;
    }
    if (event.type === 'StateEntered') {
      visits.set(key, (visits.get(key) ?? 0) + 1);
      if (event.stateType === 'Task') return; // reported when it exits, with what it saw
      const state = event.input as Partial<RunState> | undefined;
      const detail =
        event.stateType === 'Wait'
          ? `${state?.control?.waitSeconds ?? '?'}s`
          : event.stateType === 'Choice'
            ? `→ ${state?.control?.route ?? '?'}`
            : '';
      write(`${time(event.elapsedMs)} ${event.stateName}${detail ? `  ${detail}` : ''}`);
    } else if (event.type === 'StateExited' && event.stateType === 'Task') {
      const state = event.output as Partial<RunState> | undefined;
      const last = state?.control?.lastStep;
      const outputs = Object.entries(last?.outputs ?? {})
        .filter(([, v]) => v !== null && typeof v !== 'object')
        .map(([k, v]) => `${k}=${truncate(String(v))}`);
      // A workflow-call step: its start phase leaves the child's input, the nested run its result; neither is HTTP.
      const call = state?.call;
      // A join merges the branches a Parallel left in its input; the inputs check before a first Parallel calls nothing.
      const joined = (event.input as Partial<RunState> | undefined)?.join;
      const status = Array.isArray(joined)
        ? `joined ${joined.length} branches`
        : event.stateName === INPUTS_GATE_STATE
          ? 'inputs checked'
          : call?.result
            ? `nested execution ${executionName(call.result.executionArn)} returned`
            : call?.input
              ? 'input ready'
              : last?.statusCode === null || last?.statusCode === undefined
                ? (last?.stepId && event.stateName !== last.stepId ? 'workflow step done' : 'no response')
                : `HTTP ${last.statusCode}`;
      const parts = [`${event.stateName} #${visits.get(key) ?? 1}`, status, ...outputs.slice(0, 4)];
      write(`${time(event.elapsedMs)} ${parts.join('  ')}`);
    } else if (event.type === 'StateRetried') {
      write(`${time(event.elapsedMs)} ${event.stateName} retried after a Lambda error`);
    }
  };
}

function executionName(executionArn: string | undefined): string {
  return executionArn?.split(':').pop() ?? '?';
}

function truncate(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}
