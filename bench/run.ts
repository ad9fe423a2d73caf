/**
 * `npm run bench`: poll efficiency of wait policies, cold start of the step runner bundle, 500 concurrent
 * runs under injected faults, and the outage soak (500 runs through a 30-minute total outage), all through the
 * local runner against the Civitai simulator. Prints tables and writes bench/results.json; a partial run
 * (`npm run bench -- poll`) writes bench/results.partial.json instead, so it never replaces the committed full
 * results. Not part of `npm test`: it measures, it does not assert (except that the default wait policy meets
 * its targets, no run is lost and the soak meets its targets, which set the exit code).
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureColdStart, type ColdStart } from './cold-start.ts';
import { LOAD, measureLoad, type LoadResult } from './load.ts';
import { measureOutageSoak, SOAK, SOAK_POLICY, type SoakResult } from './outage-soak.ts';
import { BASELINE, BENCH_POLICIES, DEFAULT, JOB_SECONDS, meetsTargets, measurePollEfficiency, SPREAD_OFFSETS, TARGETS, type PollEfficiency } from './poll-efficiency.ts';
import { projectRoot } from './bench-app.ts';
import { CALLBACK_TARGETS, type CallbackEfficiency } from './callback-efficiency.ts';
import { fixed, markdownTable, ratio, yesNo } from './table.ts';

/** Standard workflows: $0.025 per 1,000 state transitions (us-east-1 list price). */
const USD_PER_TRANSITION = 0.025 / 1000;

async function main(): Promise<number> {
  const started = Date.now();
  const loadAtStart = Math.round(os.loadavg()[0]! * 10) / 10;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const parts = ['poll', 'cold-start', 'load', 'soak'];
  const only = new Set(process.argv.slice(2));
  for (const part of only) {
    if (!parts.includes(part)) throw new Error(`unknown part "${part}"; npm run bench -- [${parts.join(' | ')} ...]`);
  }
  const wants = (part: string) => only.size === 0 || only.has(part);

  const poll = wants('poll') ? await measurePollEfficiency(log) : undefined;
  const coldStart = wants('cold-start') ? await measureColdStart(log) : undefined;
  const load = wants('load') ? await measureLoad(log) : undefined;
  const soak = wants('soak') ? await measureOutageSoak(log) : undefined;

  const sections = [
    poll && pollSection(poll),
    poll && callbackSection(poll.callbacks),
    coldStart && coldStartSection(coldStart),
    load && loadSection(load),
    soak && soakSection(soak),
  ].filter((s): s is string => s !== undefined);
  process.stdout.write(`${sections.join('\n\n')}\n`);

  const results = {
    command: `npm run bench${only.size > 0 ? ` -- ${[...only].join(' ')}` : ''}`,
    measuredAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      // The machine's 1-minute load average at the start and the end: a bench run beside other CPU-heavy work says so.
      loadAverage: { atStart: loadAtStart, atEnd: Math.round(os.loadavg()[0]! * 10) / 10 },
      ...(process.env.BENCH_NOTE ? { note: process.env.BENCH_NOTE } : {}),
    },
    wallSeconds: (Date.now() - started) / 1000,
    ...(poll ? { pollEfficiency: { policies: BENCH_POLICIES, jobSeconds: JOB_SECONDS, spreadOffsets: SPREAD_OFFSETS, ...poll } } : {}),
    ...(coldStart ? { coldStart } : {}),
    ...(load ? { load: { config: LOAD, ...load } } : {}),
    ...(soak ? { outageSoak: { config: { ...SOAK, transientRetry: SOAK_POLICY, faults: 'as load' }, ...soak } } : {}),
  };
  // Only a full run replaces the committed figures.
  const file = path.join(projectRoot, only.size === 0 ? 'bench/results.json' : 'bench/results.partial.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), file)} (${results.wallSeconds.toFixed(0)} s)`);

  const failures = [
    poll && !poll.targets.met ? 'the default wait policy misses its targets' : undefined,
    poll && !poll.callbacks.targets.met ? 'callback mode misses its targets' : undefined,
    load && load.lost > 0 ? `${load.lost} runs lost under load` : undefined,
    soak && !soak.targets.met ? `outage soak: ${soak.targets.reasons.join('; ')}` : undefined,
  ].filter((f): f is string => f !== undefined);
  if (failures.length > 0) log(`FAILED: ${failures.join('; ')}`);
  return failures.length > 0 ? 1 : 0;
}

function pollSection(poll: PollEfficiency): string {
  const rows = poll.measurements.map((m) => [
    m.policy,
    m.jobSeconds,
    m.transitions,
    ratio(m.transitionsVsBaseline),
    fixed(m.lagSeconds, 0),
    fixed(m.spread.meanLagSeconds, 1),
    ratio(m.meanLagVsBaseline),
    fixed(m.spread.maxLagSeconds, 0),
    fixed(TARGETS.lagLimitSeconds(m.jobSeconds), 0),
    yesNo(m.lagWithinLimit && m.spread.lagWithinLimit),
    `$${fixed(m.transitions * USD_PER_TRANSITION * 1000, 2)}`,
  ]);
  const table = markdownTable(
    ['policy', 'job s (N)', 'transitions', 'vs fixed 5', 'lag s', `mean lag s, N..N+${SPREAD_OFFSETS.at(-1)}`, 'vs fixed 5', 'max lag s', 'lag limit s', 'lag within', '$ per 1k runs'],
    rows,
    [false, true, true, true, true, true, true, true, true, false, true],
  );
  const verdicts = BENCH_POLICIES.map(({ name }) => `- ${name}: ${meetsTargets(poll.measurements, name) ? 'meets' : 'misses'} the targets`).join('\n');
  const { defaultTransitionShareOn600: share, defaultLagWithinLimitEverywhere: lagOk, met } = poll.targets;
  return [
    '## Poll efficiency (virtual time, simulator progress fields off)',
    '',
    `Targets for the default: transitions on the 600 s job <= ${TARGETS.transitionShareOn600 * 100} % of ${BASELINE.name}; lag <= max(2 s, 10 % of the job) on every job length.`,
    `"lag": simulator terminalAt -> run end (virtual), on a job of N s. "mean/max lag": over jobs of N..N+${SPREAD_OFFSETS.at(-1)} s, because every N is a multiple of 5 s, where the fixed 5 s baseline happens to poll exactly as the job ends (lag 0, so no ratio against it on N alone).`,
    `"lag within": at most max(2 s, 10 % of the job) on N and on every N..N+${SPREAD_OFFSETS.at(-1)}. "$ per 1k runs": transitions x $0.025 per 1,000 (Standard), 1,000 runs.`,
    '',
    table,
    '',
    `${DEFAULT.name}: ${(share * 100).toFixed(1)} % of the baseline's transitions on the 600 s job; lag within limit on every job: ${yesNo(lagOk)}. Targets met: ${yesNo(met)}.`,
    verdicts,
  ].join('\n');
}

function callbackSection(callbacks: CallbackEfficiency): string {
  const rows = callbacks.measurements.map((m) => [
    m.mode,
    m.jobSeconds,
    m.transitions,
    ratio(m.transitionsVsBaseline),
    ratio(m.transitionsVsDefault),
    m.polls,
    fixed(m.lagSeconds, 0),
    m.lagAfterCallbackSeconds === undefined ? '-' : fixed(m.lagAfterCallbackSeconds, 1),
    fixed(m.spread.maxLagSeconds, 0),
    m.spread.maxLagAfterCallbackSeconds === undefined ? '-' : fixed(m.spread.maxLagAfterCallbackSeconds, 1),
    fixed(m.lagBoundSeconds, 0),
    yesNo(m.lagWithinBound),
    `$${fixed(m.transitions * USD_PER_TRANSITION * 1000, 2)}`,
  ]);
  const table = markdownTable(
    ['callback mode', 'job s (N)', 'transitions', 'vs fixed 5', 'vs default polling', 'polls', 'lag s', 'lag after callback s', 'max lag s, N..N+4', 'max lag after callback s', 'lag bound s', 'lag within bound', '$ per 1k runs'],
    rows,
    [false, true, true, true, true, true, true, true, true, true, true, false, true],
  );
  const { transitionShareOn600: share, maxLagAfterCallbackSeconds: after, lostSucceedWithinBound: lostOk, met } = callbacks.targets;
  const policy = callbacks.fallbackPolicy;
  return [
    '## Poll efficiency with callbacks (cdk.json arazzo.callbacks on; virtual time)',
    '',
    `Fallback poll while callbacks are on: ${policy.kind}, ratio ${policy.ratio}, ${policy.minSeconds}-${policy.maxSeconds} s (the last mode keeps the default policy instead). "lag after callback": when the callback was due -> run end (0 when a poll noticed first).`,
    `"lag bound": what a lost callback can cost, min(max, max(min, ratio x job)) of the policy in use. Transitions are against the fixed 5 s baseline and the default policy above, same bench run.`,
    `Targets: delivered on the 600 s job <= ${CALLBACK_TARGETS.transitionShareOn600 * 100} % of the baseline's transitions; completion noticed <= ${CALLBACK_TARGETS.lagAfterCallbackSeconds} s after the callback; every callback lost: still succeeds within the lag bound.`,
    '',
    table,
    '',
    `Delivered, 600 s job: ${(share * 100).toFixed(1)} % of the baseline's transitions; worst lag after a callback: ${fixed(after, 1)} s; lost callbacks within the bound: ${yesNo(lostOk)}. Targets met: ${yesNo(met)}.`,
  ].join('\n');
}

function coldStartSection(cold: ColdStart): string {
  const row = (name: string, t: ColdStart['stepRunner']) => [
    name,
    fixed(t.bytes / 1024, 1),
    fixed(t.gzipBytes / 1024, 1),
    fixed(t.processWallMs, 0),
    fixed(t.importMs, 1),
    fixed(t.firstInvokeMs, 1),
    fixed(t.importAndInvokeMs, 1),
  ];
  const table = markdownTable(
    ['bundle', 'KiB', 'KiB gzip', 'process spawn→exit ms', 'import ms', 'first poll ms', 'import + poll ms'],
    [
      row('step runner (CDK asset)', cold.stepRunner),
      row('minimal handler (one fetch)', cold.minimal),
      ['ratio', ratio(cold.ratios.bytes), ratio(cold.ratios.gzipBytes), ratio(cold.ratios.processWallMs), '', '', ratio(cold.ratios.importAndInvokeMs)],
    ],
    [false, true, true, true, true, true, true],
  );
  return [
    `## Cold start (fresh Node ${cold.nodeVersion} process per sample, median of ${cold.repetitions})`,
    '',
    'One poll (the shipped pollWorkflow plan, secret inputs moved to ordinary inputs so no AWS call happens) against the simulator.',
    '',
    table,
  ].join('\n');
}

function loadSection(load: LoadResult): string {
  const outcomes = Object.entries(load.byOutcome)
    .map(([outcome, t]) => `${outcome} ${t.correct}/${t.runs}`)
    .join(', ');
  const faults = Object.entries(load.simulator.faults)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const table = markdownTable(
    ['runs', 'finished correctly', 'lost', 'wall s', 'peak RSS MiB', 'requests', 'faults injected', 'remote jobs', 'transitions per run'],
    [[
      load.runs,
      load.finishedCorrectly,
      load.lost,
      fixed(load.wallSeconds, 1),
      fixed(load.peakRssMiB.processMax, 0),
      load.simulator.requests,
      Object.values(load.simulator.faults).reduce((a, b) => a + b, 0),
      load.simulator.jobsCreated,
      fixed(load.transitions.perRun, 1),
    ]],
    [true, true, true, true, true, true, true, true, true],
  );
  const lost = load.lostRuns.slice(0, 10).map((l) => `- ${l.run}: ${l.reason}\n    ${l.trail.join('\n    ')}`);
  return [
    `## Load (${load.runs} concurrent runs, one simulator, seeded faults, requestTimeoutMs ${LOAD.requestTimeoutMs}, slow answers ${LOAD.slowDelayMs} ms)`,
    '',
    table,
    '',
    `By remote outcome (correct/runs): ${outcomes}. Faults: ${faults}. Answers: ${JSON.stringify(load.simulator.byStatus)}.`,
    `Real time to an answer (simulator in its own process): p50 ${load.answeredWithinMs.p50} ms, p99 ${load.answeredWithinMs.p99} ms, max ${load.answeredWithinMs.max} ms (${load.answeredWithinMs.notAnswered} requests timed out or were reset).`,
    `Timeouts seen by the runs: ${load.timeouts.seenByRuns}, of which injected (slow answers): ${load.timeouts.injectedSlow}; caused by the harness: ${load.timeouts.notInjected}.`,
    ...(lost.length > 0 ? ['', 'Lost runs:', ...lost] : []),
  ].join('\n');
}

function soakSection(soak: SoakResult): string {
  const { outageCallsPerRun: calls, extraLagSeconds: lag } = soak;
  const table = markdownTable(
    ['runs', 'finished correctly', 'lost', 'remote jobs per run', 'polling at outage start', 'calls during outage per run (mean / p95 / max)', 'per hour', 'extra lag s (p50 / p95 / max)', 'wall s'],
    [[
      soak.runs,
      soak.finishedCorrectly,
      soak.lost,
      soak.jobsPerRun.min === soak.jobsPerRun.max ? soak.jobsPerRun.min : `${soak.jobsPerRun.min}-${soak.jobsPerRun.max}`,
      soak.midPollAtOutageStart,
      `${fixed(calls.mean, 1)} / ${calls.p95} / ${calls.max}`,
      fixed(calls.perHourAtMean, 1),
      `${fixed(lag.p50, 0)} / ${fixed(lag.p95, 0)} / ${fixed(lag.max, 0)}`,
      fixed(soak.wallSeconds, 1),
    ]],
    [true, true, true, true, true, false, true, false, true],
  );
  const lost = soak.lostRuns.slice(0, 10).map((l) => `- ${l.run}: ${l.reason}\n    ${l.trail.join('\n    ')}`);
  return [
    `## Outage soak (${soak.runs} concurrent runs, jobs ${SOAK.jobSeconds.min}-${SOAK.jobSeconds.max} s, load faults, every request 503 for ${SOAK.outage.durationSeconds / 60} min from ${SOAK.outage.startSeconds} s)`,
    '',
    table,
    '',
    `"extra lag": for runs polling when the outage began, run end - max(job end, outage end), virtual seconds: the completion lag beyond the outage's own length. Retry policy: ${JSON.stringify(SOAK_POLICY)}.`,
    `Targets: all runs correct, 0 lost, exactly 1 remote job per run, at most ${SOAK.maxMeanOutageCallsPerRun} calls per run during the outage on average: ${soak.targets.met ? 'met' : `missed (${soak.targets.reasons.join('; ')})`}.`,
    ...(lost.length > 0 ? ['', 'Lost runs:', ...lost] : []),
  ].join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
