/**
 * Setup file of mutation runs (vitest.stryker.config.ts). The worker thread is kept from one vitest run (one
 * mutant) to the next (test/mutation/kept-thread-pool.ts); before the first test file of each run this puts the
 * thread back in the state a new thread starts in, so no mutant's effect can reach the next mutant's run:
 * - every module vitest evaluated (the mutated code, the tests, and their module-level state: caches, counters)
 *   is marked for evaluation afresh, as vitest's own `isolate` does between files; the code is not fetched or
 *   transformed again, and packages Node loaded natively stay loaded;
 * - no mutant is active while the first test file loads (Stryker activates the run's mutant in a `beforeAll`);
 * - `process.env` is the thread's first one again (a test file may set a variable and leave it set).
 * Within one run nothing changes: the test files share their modules (`isolate: false`), as before.
 */
import { inject } from 'vitest';

interface ModuleNode {
  promise?: unknown;
  exports?: unknown;
  evaluated: boolean;
  importers: Set<string>;
}
interface WorkerState {
  evaluatedModules: { idToModuleMap: Map<string, ModuleNode> };
  config: { setupFiles: string[] };
}

/** Kept on the thread's global object: a setup file's own module state is evaluated afresh for every test file. */
interface Kept {
  runs: WeakSet<object>;
  env: Record<string, string | undefined>;
}
const kept = ((globalThis as Record<symbol, unknown>)[Symbol.for('arazzo-sfn.mutation.kept-thread')] ??= {
  runs: new WeakSet<object>(),
  env: { ...process.env },
}) as Kept;
// A new state object per vitest run: the first test file of a run sees one it has not seen.
const state = (globalThis as unknown as { __vitest_worker__: WorkerState }).__vitest_worker__;

/** vitest sets these for each run. */
const perRun = (name: string) => name.startsWith('VITEST_');

if (!kept.runs.has(state)) {
  kept.runs.add(state);
  for (const name of Object.keys(process.env)) if (!(name in kept.env) && !perRun(name)) delete process.env[name];
  for (const [name, value] of Object.entries(kept.env)) if (!perRun(name) && process.env[name] !== value) process.env[name] = value;
  // vitest's own modules stay (as in vitest's resetModules); so do the setup files, which vitest evaluates
  // afresh before every test file anyway, and one of which is this file, still being evaluated.
  const keep = [/\/vitest\/dist\//, /vitest-virtual-\w+\/dist/, /@vitest\/dist/, /^mock:/];
  const setupFiles = new Set(state.config.setupFiles);
  for (const [id, node] of state.evaluatedModules.idToModuleMap) {
    if (setupFiles.has(id) || keep.some((pattern) => pattern.test(id))) continue;
    node.promise = undefined;
    node.exports = undefined;
    node.evaluated = false;
    node.importers.clear();
  }
  const namespace = inject('globalNamespace' as never) as string | undefined;
  const stryker = namespace === undefined ? undefined : (globalThis as unknown as Record<string, { activeMutant?: string } | undefined>)[namespace];
  if (stryker !== undefined) stryker.activeMutant = undefined;
}
