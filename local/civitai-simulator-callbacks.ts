/**
 * The simulator's webhooks: when a submitted workflow carries `callbacks: [{url, type}]` (Civitai's
 * `WorkflowCallback`), a `WorkflowEvent` is POSTed to each url whose types include its terminal status
 * (`workflow:<status>` or `workflow:*`), at the terminal instant plus `delayMs` on the workflow's own clock, `copies`
 * times, unless lost. Only loopback URLs are called: a test never reaches anything off this machine.
 */
import type { WorkflowCallback, WorkflowEvent } from '@civitai/client/dist/generated/types.gen.js';
import { scheduleOn, systemClock, VirtualClock, type Clock } from './clock.ts';
import type { SimulatedWorkflow } from './civitai-simulator-jobs.ts';

export interface CallbackDelivery {
  /** Milliseconds after the terminal status before the callback is sent. @default 0 */
  delayMs?: number;
  /** Share of callbacks never sent, 0 to 1 (1: every one lost). @default 0 */
  lossRate?: number;
  /** How many times each callback is sent. @default 1 */
  copies?: number;
}

/** What became of one callback: the receiver's status, or why it was not (or could not be) delivered. */
export interface CallbackRecord {
  workflowId: string;
  /** On the workflow's clock (epoch ms). */
  at: number;
  outcome: number | 'lost' | 'notLoopback' | 'noClock' | 'unreachable';
}

export class SimulatorCallbacks {
  readonly records: CallbackRecord[] = [];
  private readonly timers: Array<{ cancel(): void }> = [];

  constructor(
    private readonly delivery: CallbackDelivery = {},
    private readonly random: () => number = Math.random,
  ) {
    const { delayMs = 0, lossRate = 0, copies = 1 } = delivery;
    if (!(Number.isFinite(delayMs) && delayMs >= 0)) throw new RangeError(`callbacks.delayMs must be a number of milliseconds >= 0, got ${delayMs}`);
    if (!(lossRate >= 0 && lossRate <= 1)) throw new RangeError(`callbacks.lossRate must be from 0 to 1, got ${lossRate}`);
    if (!(Number.isInteger(copies) && copies >= 1)) throw new RangeError(`callbacks.copies must be a whole number >= 1, got ${copies}`);
  }

  /** Schedules the callbacks a new workflow asked for. */
  schedule(workflow: SimulatedWorkflow): void {
    const callbacks = (workflow.template.callbacks ?? []) as WorkflowCallback[];
    const status = workflow.plan.outcome;
    const at = workflow.timeline.terminal + (this.delivery.delayMs ?? 0);
    for (const callback of callbacks) {
      if (!callback.type.some((type) => type === `workflow:${status}` || type === 'workflow:*')) continue;
      const record = (outcome: CallbackRecord['outcome']) => this.records.push({ workflowId: workflow.id, at, outcome });
      if (!isLoopback(callback.url)) {
        record('notLoopback');
        continue;
      }
      // A clock learnt from request headers moves only with requests: nothing can fire on it.
      if (!(workflow.clock instanceof VirtualClock) && workflow.clock !== systemClock) {
        record('noClock');
        continue;
      }
      if (this.random() < (this.delivery.lossRate ?? 0)) {
        record('lost');
        continue;
      }
      for (let copy = 0; copy < (this.delivery.copies ?? 1); copy++) {
        this.timers.push(scheduleOn(workflow.clock, at, () => send(callback.url, event(workflow, workflow.clock), record)));
      }
    }
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) timer.cancel();
  }
}

function event(workflow: SimulatedWorkflow, clock: Clock): WorkflowEvent {
  return { workflowId: workflow.id, status: workflow.plan.outcome, timestamp: new Date(clock.now()).toISOString(), $type: 'workflow' };
}

async function send(url: string, body: WorkflowEvent, record: (outcome: CallbackRecord['outcome']) => void): Promise<void> {
  try {
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'manual' });
    await answer.arrayBuffer();
    record(answer.status);
  } catch {
    record('unreachable');
  }
}

function isLoopback(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return (protocol === 'http:' || protocol === 'https:') && (hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]');
  } catch {
    return false;
  }
}
