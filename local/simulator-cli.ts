/**
 * `npm run simulator -- [--port 4010] [--submit-status 202|200] [--no-progress-fields]
 *   [--phases unassigned=1000,preparing=1000,scheduled=2000,processing=10000] [--outcome succeeded]
 *   [--fault-seed 1 --fault-rate rateLimited=0.05 --fault-rate unavailable=0.02 ...] [--outage 60+1800[:503|:reset] ...]`
 *
 * Serves the simulator on 127.0.0.1 on the system clock until Ctrl-C. Set SIMULATOR_EXPECTED_TOKEN to
 * refuse every other bearer token (read from the environment so it stays out of shell history and `ps`).
 */
import { parseArgs } from 'node:util';
import { CivitaiSimulator, type CivitaiSimulatorOptions } from './civitai-simulator.ts';
import { randomFaults, type RandomFaultKind } from './civitai-simulator-faults.ts';
import { parseOutageFlag, type OutageWindow } from './civitai-simulator-outages.ts';
import { DEFAULT_JOB_PLAN, mergeJobPlan, PENDING_STATUSES, TERMINAL_STATUSES, type PendingStatus, type TerminalStatus } from './civitai-simulator-jobs.ts';

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\n`);
  process.exit(2);
}

const USAGE = `usage: npm run simulator -- [--port 4010] [--submit-status 202|200] [--no-progress-fields]
  [--phases unassigned=1000,preparing=1000,scheduled=2000,processing=10000] [--outcome succeeded|failed|expired|canceled]
  [--fault-seed 1 --fault-rate rateLimited=0.05 --fault-rate unavailable=0.02 ...]
  [--outage <start s>+<duration s>[:503|:reset] ...]   e.g. --outage 60+1800: every request 503 from 60 s after start, for 30 min
Serves the Civitai Orchestration API simulator on 127.0.0.1 until Ctrl-C. SIMULATOR_EXPECTED_TOKEN refuses other bearer tokens.`;

function parseOptions(argv: string[]): { options: CivitaiSimulatorOptions; summary: string } {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '4010' },
        'submit-status': { type: 'string', default: '202' },
        'no-progress-fields': { type: 'boolean', default: false },
        phases: { type: 'string' },
        outcome: { type: 'string' },
        'fault-seed': { type: 'string' },
        'fault-rate': { type: 'string', multiple: true, default: [] },
        outage: { type: 'string', multiple: true, default: [] },
      },
      strict: true,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number (0-65535), got ${values.port}`);
  const submitStatus = Number(values['submit-status']);
  if (submitStatus !== 200 && submitStatus !== 202) fail(`--submit-status must be 200 or 202, got ${values['submit-status']}`);

  const phaseMs: Partial<Record<PendingStatus, number>> = {};
  for (const pair of values.phases?.split(',') ?? []) {
    const [name = '', ms = ''] = pair.split('=');
    if (!(PENDING_STATUSES as readonly string[]).includes(name) || !/^\d+$/.test(ms)) {
      fail(`--phases takes name=milliseconds pairs with names ${PENDING_STATUSES.join(', ')}, got "${pair}"`);
    }
    phaseMs[name as PendingStatus] = Number(ms);
  }
  const outcome = values.outcome;
  if (outcome !== undefined && !(TERMINAL_STATUSES as readonly string[]).includes(outcome)) {
    fail(`--outcome must be one of ${TERMINAL_STATUSES.join(', ')}, got ${outcome}`);
  }
  const jobPlan = { phaseMs, ...(outcome ? { outcome: outcome as TerminalStatus } : {}) };
  const plan = mergeJobPlan(DEFAULT_JOB_PLAN, jobPlan);

  const rates: Partial<Record<RandomFaultKind, number>> = {};
  for (const pair of values['fault-rate']) {
    const [kind = '', rate = ''] = pair.split('=');
    rates[kind as RandomFaultKind] = Number(rate);
  }
  if (Object.keys(rates).length > 0 && values['fault-seed'] === undefined) fail('--fault-rate needs --fault-seed <seed> so the faults can be replayed');
  let faults: CivitaiSimulatorOptions['faults'];
  try {
    faults = values['fault-seed'] === undefined ? undefined : randomFaults({ seed: values['fault-seed'], rates });
  } catch (error) {
    fail(`--fault-rate: ${(error as Error).message}`);
  }

  const startedAt = Date.now();
  let outages: OutageWindow[];
  try {
    outages = values.outage.map((text) => parseOutageFlag(text, startedAt));
  } catch (error) {
    fail((error as Error).message);
  }

  const expectedToken = process.env.SIMULATOR_EXPECTED_TOKEN || undefined;
  const options: CivitaiSimulatorOptions = {
    port,
    submitStatus,
    jobPlan,
    progressFields: !values['no-progress-fields'],
    ...(faults ? { faults } : {}),
    ...(outages.length > 0 ? { outages } : {}),
    ...(expectedToken ? { expectedToken } : {}),
  };
  const phases = PENDING_STATUSES.map((status) => `${status} ${plan.phaseMs[status]}ms`).join(', ');
  const faultSummary = faults
    ? `random faults seed ${values['fault-seed']} (${Object.entries(rates).map(([kind, rate]) => `${kind} ${rate}`).join(', ') || 'no rates'})`
    : 'no faults';
  const summary =
    `submit answers ${submitStatus}; ${phases}, then ${plan.outcome}; progress fields ${options.progressFields ? 'on' : 'off'}; ` +
    `${faultSummary}; ${outages.length > 0 ? `outages: ${values.outage.map((o) => `${o} (start s + duration s)`).join(', ')}` : 'no outages'}; ${expectedToken ? 'only the token in SIMULATOR_EXPECTED_TOKEN is accepted' : 'any bearer token is accepted'}`;
  return { options, summary };
}

const { options, summary } = parseOptions(process.argv.slice(2));
const simulator = new CivitaiSimulator({
  ...options,
  onRequest: (entry) =>
    process.stderr.write(`${entry.method} ${entry.path} ${entry.status}${entry.fault ? ` (fault: ${entry.fault})` : ''}${entry.outage ? ' (scheduled outage)' : ''}\n`),
});
const baseUrl = await simulator.start().catch((error: unknown) => fail(`cannot listen on 127.0.0.1:${options.port}: ${(error as Error).message}`));
process.stderr.write(`Civitai Orchestration API simulator at ${baseUrl}\n${summary}\n`);
process.once('SIGINT', () => {
  void simulator.stop().then(() => {
    const counters = simulator.counters();
    process.stderr.write(`stopped after ${counters.requests} requests, ${counters.jobsCreated} jobs created\n`);
    process.exit(0);
  });
});
