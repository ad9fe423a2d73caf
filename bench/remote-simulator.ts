/**
 * Starts the Civitai simulator in a child process (simulator-process.ts) and talks to it over IPC. The runs'
 * requests carry their virtual time (`x-sim-now`), so the child keeps every run's clock without sharing memory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { RandomFaultOptions } from '../local/civitai-simulator-faults.ts';
import type { SimulatorCounters } from '../local/civitai-simulator-counters.ts';
import type { JobPlanOverride } from '../local/civitai-simulator-jobs.ts';
import type { OutageWindow } from '../local/civitai-simulator-outages.ts';
import { projectRoot, type SimulatorHandle } from './bench-app.ts';

export interface RemoteSimulatorConfig {
  expectedToken: string;
  progressFields: boolean;
  /** Job plan per run name (the name its prompt carries). */
  plans: Record<string, JobPlanOverride>;
  faults?: {
    seed: string;
    submitRates: RandomFaultOptions['rates'];
    pollRates: RandomFaultOptions['rates'];
    retryAfterSeconds: number;
    slowDelayMs: number;
  };
  outages?: OutageWindow[];
}

export type RemoteSimulatorRequest = { type: 'start'; config: RemoteSimulatorConfig } | { type: 'counters' } | { type: 'stop' };
export type RemoteSimulatorReply =
  | { type: 'started'; baseUrl: string }
  | { type: 'counters'; counters: SimulatorCounters }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

export interface RemoteSimulator extends SimulatorHandle {
  readonly pid: number;
  counters(): Promise<SimulatorCounters>;
  stop(): Promise<void>;
}

export async function startRemoteSimulator(config: RemoteSimulatorConfig): Promise<RemoteSimulator> {
  // fork() passes on this process's execArgv, so the child loads TypeScript the way `tsx` loaded this one.
  const child = fork(path.join(projectRoot, 'bench/simulator-process.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = request(child);
  try {
    const started = await ask({ type: 'start', config }, 'started');
    return {
      baseUrl: started.baseUrl,
      pid: child.pid ?? -1,
      counters: async () => (await ask({ type: 'counters' }, 'counters')).counters,
      stop: async () => {
        if (child.exitCode !== null || !child.connected) return;
        await ask({ type: 'stop' }, 'stopped');
        await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      },
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}

/** One request at a time: each waits for the reply of the type it expects, or the child's error or exit. */
function request(child: ChildProcess) {
  let queue: Promise<unknown> = Promise.resolve();
  return <T extends RemoteSimulatorReply['type']>(message: RemoteSimulatorRequest, expected: T): Promise<Extract<RemoteSimulatorReply, { type: T }>> => {
    const next = queue.then(
      () =>
        new Promise<Extract<RemoteSimulatorReply, { type: T }>>((resolve, reject) => {
          const onMessage = (reply: RemoteSimulatorReply) => {
            cleanup();
            if (reply.type === expected) resolve(reply as Extract<RemoteSimulatorReply, { type: T }>);
            else reject(new Error(`simulator process: ${reply.type === 'error' ? reply.message : `expected ${expected}, got ${reply.type}`}`));
          };
          const onExit = (code: number | null) => {
            cleanup();
            reject(new Error(`simulator process exited (${code}) before answering ${message.type}`));
          };
          const cleanup = () => {
            child.off('message', onMessage);
            child.off('exit', onExit);
          };
          child.on('message', onMessage);
          child.once('exit', onExit);
          child.send(message);
        }),
    );
    queue = next.catch(() => undefined);
    return next;
  };
}
