/**
 * Callbacks on this machine: the Civitai simulator calls back the URL a submit carried, on the run's clock, with
 * configurable delay, loss and duplication, and `npm start -- --callbacks` shows a run woken by its callback.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CivitaiSimulator, type CivitaiSimulatorOptions } from '../local/civitai-simulator.ts';
import { VirtualClock } from '../local/clock.ts';
import { startCallbackHost, type CallbackHost } from '../local/callback-host.ts';
import { runCli } from './support/cli.ts';

process.env.ARAZZO_SFN_CACHE_DIR = mkdtempSync(path.join(tmpdir(), 'arazzo-callbacks-cache-'));

const TERMINAL = ['workflow:succeeded', 'workflow:failed', 'workflow:expired', 'workflow:canceled'];

describe('the simulator\'s callbacks', () => {
  let sim: CivitaiSimulator | undefined;
  let host: CallbackHost | undefined;
  afterEach(async () => {
    await sim?.stop();
    await host?.stop();
    sim = host = undefined;
  });

  async function submitWithCallback(options: CivitaiSimulatorOptions, url?: (host: CallbackHost) => string) {
    const clock = new VirtualClock();
    sim = new CivitaiSimulator({ ...options, jobPlan: { phaseMs: { unassigned: 0, preparing: 0, scheduled: 0, processing: 60_000 } } });
    await sim.start();
    sim.registerClock('run', clock);
    host = await startCallbackHost({ clock });
    const callbackUrl = url ? url(host) : (await host.issuer.issue({ executionId: 'exec-1', waitId: 'pollWorkflow' }, 3600)).url;
    const response = await fetch(`${sim.baseUrl}/v2/consumer/workflows`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'x-sim-clock': 'run' },
      body: JSON.stringify({ steps: [{ $type: 'imageGen', input: { engine: 'sdxl', prompt: 'p' } }], callbacks: [{ url: callbackUrl, type: TERMINAL, detailed: false }] }),
    });
    expect(response.status).toBe(202);
    return { clock, sim, host };
  }

  it('sends a WorkflowEvent to the submitted URL when the job ends, on the run\'s clock, and not before', async () => {
    const { clock, sim, host } = await submitWithCallback({});
    clock.advance(59_000);
    await clock.settle();
    expect(sim.callbacks()).toEqual([]);
    clock.advance(1_000);
    await clock.settle();
    expect(sim.callbacks()).toEqual([{ workflowId: 'sim-000001', at: clock.now(), outcome: 202 }]);
    expect(host.received.accepted).toBe(1);
  });

  it('delays, duplicates or loses callbacks as configured', async () => {
    const delayed = await submitWithCallback({ callbacks: { delayMs: 5_000, copies: 2 } });
    delayed.clock.advance(64_000);
    await delayed.clock.settle();
    expect(delayed.sim.callbacks()).toEqual([]);
    delayed.clock.advance(1_000);
    await delayed.clock.settle();
    expect(delayed.sim.callbacks().map((c) => c.outcome)).toEqual([202, 202]);
    await delayed.sim.stop();
    await delayed.host.stop();

    const lost = await submitWithCallback({ callbacks: { lossRate: 1 } });
    lost.clock.advance(120_000);
    await lost.clock.settle();
    expect(lost.sim.callbacks().map((c) => c.outcome)).toEqual(['lost']);
    expect(lost.host.received.accepted).toBe(0);
  });

  it('never calls a URL off this machine', async () => {
    const { clock, sim } = await submitWithCallback({}, () => 'https://example.com/callbacks/x');
    clock.advance(60_000);
    await clock.settle();
    expect(sim.callbacks().map((c) => c.outcome)).toEqual(['notLoopback']);
  });

  it('refuses a callbacks entry that is not Civitai\'s shape', async () => {
    sim = new CivitaiSimulator();
    await sim.start();
    const response = await fetch(`${sim.baseUrl}/v2/consumer/workflows`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ $type: 'imageGen', input: { engine: 'sdxl', prompt: 'p' } }], callbacks: [{ url: 1 }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('callbacks');
  });
});

describe('npm start -- --callbacks', () => {
  it('shows the run woken by its callback, long before the fallback poll would have looked', async () => {
    const result = await runCli('local/run.ts', ['--callbacks', '--fast', '--job-seconds', '120']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('woken by callbacks');
    expect(result.stderr).toMatch(/Wait before pollWorkflow {2}woken by a callback after \d+\.\ds/);
    expect(result.stderr).toMatch(/pollWorkflow #\d+ +HTTP 200 +status=succeeded/);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'succeeded' });
  });

  it('refuses the delivery flags without --callbacks', async () => {
    const result = await runCli('local/run.ts', ['--callback-delay', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('add --callbacks');
  });
});
