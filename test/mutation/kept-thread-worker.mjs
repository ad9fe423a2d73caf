/**
 * Entry point of the worker thread that mutation runs keep from one vitest run to the next
 * (test/mutation/kept-thread-pool.ts). It is vitest's own threads worker (vitest/dist/workers/threads.js),
 * except that the end of a run does not stop it from listening: the next run's "start" finds it ready, with the
 * packages it imported natively still loaded. Plain JavaScript: Node loads it directly, without vite.
 */
import { parentPort } from 'node:worker_threads';
import { init, runBaseTests, setupEnvironment } from 'vitest/worker';

if (!parentPort) throw new Error('kept-thread-worker.mjs runs in a worker thread');
const port = parentPort;

// vitest registers two listeners: its request handler once, then one RPC channel per run. Only the current run's
// channel may listen, or every message would reach every past run's channel.
let requestListener;
let rpcListener;

init({
  post: (response) => port.postMessage(response),
  on: (callback) => {
    if (requestListener === undefined) requestListener = callback;
    else {
      if (rpcListener !== undefined) port.off('message', rpcListener);
      rpcListener = callback;
    }
    port.on('message', callback);
  },
  off: (callback) => {
    port.off('message', callback);
    if (callback === rpcListener) rpcListener = undefined;
  },
  // vitest's threads worker removes every listener here; this one keeps listening for the next run.
  teardown: () => {},
  runTests: (state, traces) => runBaseTests('run', state, traces),
  collectTests: (state, traces) => runBaseTests('collect', state, traces),
  setup: setupEnvironment,
});
