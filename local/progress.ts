/**
 * Progress lines as the Step Functions console would list the run: one per state, with the run's clock.
 * Generic: a Task line shows the HTTP status and the step's short outputs (where an API's remote status is).
 */
import type { RunState } from '../lib/compile/step-plan.ts';
import type { LocalEvent } from './local-execution.ts';

const MAX_VALUE_LENGTH = 48;

export function createProgressPrinter(write: (line: string) => void, clockLabel: 'virtual' | 'real'): (event: LocalEvent) => void {
  const visits = new Map<string, number>();
  const time = (ms: number) => `[${(ms / 1000).toFixed(1).padStart(7)}s ${clockLabel}]`;
  return (event) => {
    if (!event.stateName) return;
    if (event.type === 'StateEntered') {
      visits.set(event.stateName, (visits.get(event.stateName) ?? 0) + 1);
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
      const parts = [
        `${event.stateName} #${visits.get(event.stateName) ?? 1}`,
        last?.statusCode === null || last?.statusCode === undefined ? 'no response' : `HTTP ${last.statusCode}`,
        ...outputs.slice(0, 4),
      ];
      write(`${time(event.elapsedMs)} ${parts.join('  ')}`);
    } else if (event.type === 'StateRetried') {
      write(`${time(event.elapsedMs)} ${event.stateName} retried after a Lambda error`);
    }
  };
}

function truncate(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}
