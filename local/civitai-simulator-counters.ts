/**
 * What the simulator counts, so tests and the benchmark can assert on traffic rather than on timing.
 */
import type { FaultKind } from './civitai-simulator-faults.ts';
import type { TerminalStatus } from './civitai-simulator-jobs.ts';

export type CountedOperation = 'submitWorkflow' | 'getWorkflow' | 'getBlob' | 'unknown';

export interface WorkflowCounters {
  externalId: string | null;
  /** Submits answered with this workflow: the one that created it plus every repeat of its externalId. */
  submits: number;
  gets: number;
  /** Instants on the clock of the run that submitted it (ms since epoch). */
  createdAt: number;
  terminalStatus: TerminalStatus;
  /** When it reached `terminalStatus`, whether or not anyone has looked. */
  terminalAt: number;
  /** When a client first received an intact response showing the terminal status; `- terminalAt` is the completion lag. */
  terminalObservedAt: number | null;
}

export interface SimulatorCounters {
  requests: number;
  byOperation: Record<CountedOperation, number>;
  /** HTTP status code answered (as text); `reset`: connection destroyed without an answer; `clientClosed`: the client left before a held-back answer. */
  byStatus: Record<string, number>;
  faults: Record<FaultKind, number>;
  /** Requests answered by a scheduled outage, in all and per clock (x-sim-clock key, else workflow id, else `default`). */
  outage: { answered: number; byClock: Record<string, number> };
  jobsCreated: number;
  workflows: Record<string, WorkflowCounters>;
}

export class TrafficTally {
  requests = 0;
  jobsCreated = 0;
  readonly byOperation: Record<CountedOperation, number> = { submitWorkflow: 0, getWorkflow: 0, getBlob: 0, unknown: 0 };
  readonly byStatus: Record<string, number> = {};
  readonly faults: Record<FaultKind, number> = { rateLimited: 0, serverError: 0, unavailable: 0, slow: 0, connectionReset: 0, malformedJson: 0 };

  request(operation: CountedOperation): void {
    this.requests += 1;
    this.byOperation[operation] += 1;
  }

  answered(status: number | string): void {
    const key = String(status);
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
  }

  outageAnswered = 0;
  readonly outageByClock = new Map<string, number>();

  fault(kind: FaultKind): void {
    this.faults[kind] += 1;
  }

  outage(clockKey: string): void {
    this.outageAnswered += 1;
    this.outageByClock.set(clockKey, (this.outageByClock.get(clockKey) ?? 0) + 1);
  }
}
