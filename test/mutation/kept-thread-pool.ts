/**
 * The vitest pool mutation runs use (vitest.stryker.config.ts only; `npm test` keeps vitest's own pools).
 *
 * Stryker runs vitest once per mutant, and vitest stops its worker at the end of every run, so each mutant used to
 * pay for a new worker thread that loads vitest and every package a test file imports (aws-cdk-lib, ajv, yaml...)
 * again: most of a mutant's cost, the tests themselves taking milliseconds. This pool is vitest's threads pool,
 * except that a run's end parks the thread instead of terminating it, and the next run takes it back.
 *
 * What a parked thread keeps is what Node loaded natively: vitest and the packages under node_modules. The
 * project's own modules (the mutated code and the tests) are evaluated afresh in every run, with no mutant
 * active, as in a new thread (test/mutation/fresh-run-setup.ts), so a mutant cannot leave anything behind in them.
 * A thread that did not stop cleanly (a crash, a cancelled run) is terminated, never parked; so is one that
 * served RUNS_PER_THREAD runs.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, WorkerRequest } from 'vitest/node';
import type { Plugin } from 'vite';

export const KEPT_THREADS_POOL = 'kept-threads';

const ENTRYPOINT = fileURLToPath(new URL('./kept-thread-worker.mjs', import.meta.url));

/** Threads whose last run stopped cleanly, waiting for the next run (one per vitest worker slot at most). */
const parked: Worker[] = [];
/**
 * A thread's memory grows slowly from run to run (each run evaluates the project's modules again, and V8 keeps
 * some of what it compiled): after this many runs it is terminated and the next run starts a new one (a few seconds).
 */
export const RUNS_PER_THREAD = 500;
const runs = new WeakMap<Worker, number>();

type Listener = (arg: unknown) => void;

const isStoppedResponse = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && (message as { __vitest_worker_response__?: unknown }).__vitest_worker_response__ === true &&
  (message as { type?: unknown }).type === 'stopped';

class KeptThreadPoolWorker implements PoolWorker {
  readonly name = KEPT_THREADS_POOL;
  private thread: Worker | undefined;
  private listeners: Array<[string, Listener]> = [];
  private stoppedCleanly = false;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;

  constructor(private readonly options: PoolOptions) {
    this.stdout = options.project.vitest.logger.outputStream;
    this.stderr = options.project.vitest.logger.errorStream;
  }

  private get current(): Worker {
    if (this.thread === undefined) throw new Error('kept-threads: the worker thread is not started');
    return this.thread;
  }

  on(event: string, callback: Listener): void {
    this.listeners.push([event, callback]);
    this.current.on(event, callback);
  }

  off(event: string, callback: Listener): void {
    this.listeners = this.listeners.filter(([e, c]) => e !== event || c !== callback);
    this.current.off(event, callback);
  }

  send(message: WorkerRequest): void {
    if (message.type === 'stop') this.stoppedCleanly = false;
    this.current.postMessage(message);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  private readonly watchStop = (message: unknown): void => {
    if (isStoppedResponse(message) && (message as { error?: unknown }).error === undefined) this.stoppedCleanly = true;
  };

  async start(): Promise<void> {
    if (this.thread !== undefined) return;
    const thread =
      parked.pop() ?? new Worker(ENTRYPOINT, { env: this.options.env, execArgv: this.options.execArgv, stdout: true, stderr: true });
    thread.stdout.pipe(this.stdout);
    thread.stderr.pipe(this.stderr);
    thread.on('message', this.watchStop);
    this.thread = thread;
  }

  async stop(): Promise<void> {
    const thread = this.current;
    this.thread = undefined;
    thread.off('message', this.watchStop);
    for (const [event, callback] of this.listeners) thread.off(event, callback);
    this.listeners = [];
    thread.stdout.unpipe(this.stdout);
    thread.stderr.unpipe(this.stderr);
    const used = (runs.get(thread) ?? 0) + 1;
    runs.set(thread, used);
    if (this.stoppedCleanly && used < RUNS_PER_THREAD) parked.push(thread);
    else await thread.terminate();
  }
}

export const keptThreadsPool: PoolRunnerInitializer = {
  name: KEPT_THREADS_POOL,
  createPoolWorker: (options) => new KeptThreadPoolWorker(options),
};

/**
 * Stryker's vitest runner passes its own `pool` option (a name: "threads"), which overrides a pool object in the
 * config file; this plugin puts the kept-threads pool back once the projects are resolved.
 */
export const useKeptThreadsPool = (): Plugin => ({
  name: 'kept-threads-pool',
  configureVitest({ project, vitest }) {
    project.config.pool = KEPT_THREADS_POOL;
    project.config.poolRunner = keptThreadsPool;
    vitest.onClose(async () => {
      await Promise.all(parked.splice(0).map((thread) => thread.terminate()));
    });
  },
});
