/**
 * The Civitai simulator in a process of its own, for the load benches: hundreds of runs on one event loop
 * must not delay the simulator's answers (nor its answers delay the runs), or the bench measures the harness.
 * Started by `startRemoteSimulator` (remote-simulator.ts); everything it needs comes over IPC as JSON.
 */
import { CivitaiSimulator } from '../local/civitai-simulator.ts';
import { randomFaults, type FaultPolicy } from '../local/civitai-simulator-faults.ts';
import type { RemoteSimulatorConfig, RemoteSimulatorReply, RemoteSimulatorRequest } from './remote-simulator.ts';
import { runNameOf } from './run-names.ts';

let simulator: CivitaiSimulator | undefined;

function faultsOf(config: RemoteSimulatorConfig): FaultPolicy | undefined {
  const faults = config.faults;
  if (faults === undefined) return undefined;
  const common = { seed: faults.seed, retryAfterSeconds: faults.retryAfterSeconds, slowDelayMs: faults.slowDelayMs };
  const submit = randomFaults({ ...common, rates: faults.submitRates, operations: ['submitWorkflow'] });
  const poll = randomFaults({ ...common, rates: faults.pollRates, operations: ['getWorkflow'] });
  return (context) => (context.operation === 'submitWorkflow' ? submit(context) : poll(context));
}

const reply = (message: RemoteSimulatorReply) => process.send?.(message);

process.on('message', (message: RemoteSimulatorRequest) => {
  void (async () => {
    try {
      if (message.type === 'start') {
        const { config } = message;
        const faults = faultsOf(config);
        simulator = new CivitaiSimulator({
          clocksFromHeaders: true,
          expectedToken: config.expectedToken,
          progressFields: config.progressFields,
          ...(faults ? { faults } : {}),
          ...(config.outages ? { outages: config.outages } : {}),
          planFor: (template) => {
            const name = runNameOf(template);
            return name === undefined ? undefined : config.plans[name];
          },
        });
        reply({ type: 'started', baseUrl: await simulator.start() });
      } else if (message.type === 'counters') {
        reply({ type: 'counters', counters: simulator!.counters() });
      } else {
        await simulator?.stop();
        reply({ type: 'stopped' });
        process.disconnect();
      }
    } catch (error) {
      reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
