/**
 * `npm run bench:cli-start`: how long `npm start` takes from the command to its first request, with the
 * synthesized definition not cached (`--no-cache`, the baseline: a synth on every run), cold (empty cache: the CLI
 * bundle is built, a synth, then the entry is written), warm (bundle and entry are there) and warm without the
 * bundle (`ARAZZO_SFN_NO_BUNDLE=1`: the CLI through tsx, as `npm start` ran before the bundle). Each sample is a fresh `npm start` process
 * against a loopback server that records the first request's arrival and answers 401, so the run ends at once.
 * Ratios are against the baseline measured in the same run. Writes bench/cli-start.json (its own file: the
 * other benchmarks write bench/results.json).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, markdownTable, ratio } from './table.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);

interface Sample {
  /** Command start → the first request at the server. */
  firstRequestMs: number;
  /** Command start → process exit. */
  exitMs: number;
  /**
   * CPU time (user + system) of the whole `npm start` process tree, start to exit, from /usr/bin/time: on a
   * machine shared with other work, the wall times above include waiting for a CPU; this does not.
   */
  cpuMs?: number;
}

const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);

type Mode = 'baseline' | 'cold' | 'warm' | 'warmTsx';
const MODES = ['baseline', 'cold', 'warm', 'warmTsx'] as const;

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const samples: Record<Mode, Sample[]> = { baseline: [], cold: [], warm: [], warmTsx: [] };
  const loadBefore = os.loadavg()[0]!;
  for (let i = 0; i < REPETITIONS; i++) {
    // The baseline gets a cache of its own: a --no-cache run still writes its entry, which would warm the cold run.
    const baselineCache = mkdtempSync(path.join(os.tmpdir(), 'arazzo-bench-cache-'));
    const cache = mkdtempSync(path.join(os.tmpdir(), 'arazzo-bench-cache-'));
    try {
      for (const mode of MODES) {
        const sample = await measure(mode === 'baseline' ? baselineCache : cache, mode === 'baseline' ? ['--no-cache'] : [], mode === 'warmTsx' ? { ARAZZO_SFN_NO_BUNDLE: '1' } : {});
        samples[mode].push(sample);
        log(`${mode} #${i + 1}: first request after ${fixed(sample.firstRequestMs, 0)} ms, exit after ${fixed(sample.exitMs, 0)} ms, CPU ${sample.cpuMs === undefined ? 'n/a' : `${fixed(sample.cpuMs, 0)} ms`}`);
      }
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(baselineCache, { recursive: true, force: true });
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summary = Object.fromEntries(
    (Object.keys(samples) as Mode[]).map((mode) => [
      mode,
      {
        firstRequestMs: median(samples[mode].map((s) => s.firstRequestMs)),
        exitMs: median(samples[mode].map((s) => s.exitMs)),
        ...(hasTime ? { cpuMs: median(samples[mode].map((s) => s.cpuMs ?? 0)) } : {}),
      },
    ]),
  ) as Record<Mode, Sample>;
  const vsBaseline = (mode: Mode) => summary[mode].firstRequestMs / summary.baseline.firstRequestMs;
  const table = markdownTable(
    ['npm start', 'to first request (median)', 'vs no cache', 'to exit', 'CPU, start to exit', 'vs no cache'],
    MODES.map((mode) => [
      { baseline: 'no cache (synth every run)', cold: 'cold cache (bundle, synth, then cached)', warm: 'warm cache', warmTsx: 'warm cache, no bundle (tsx)' }[mode],
      `${fixed(summary[mode].firstRequestMs / 1000, 2)} s`,
      ratio(vsBaseline(mode)),
      `${fixed(summary[mode].exitMs / 1000, 2)} s`,
      summary[mode].cpuMs === undefined ? 'n/a' : `${fixed(summary[mode].cpuMs / 1000, 2)} s`,
      summary[mode].cpuMs === undefined ? 'n/a' : ratio(summary[mode].cpuMs / summary.baseline.cpuMs!),
    ]),
    [false, true, true, true, true, true],
  );
  const loadAfter = os.loadavg()[0]!;
  process.stdout.write(
    [
      `## npm start: time to the first request (median of ${REPETITIONS}, fresh process each)`,
      '',
      table,
      '',
      `Warm vs warm without the bundle: ${ratio(summary.warm.firstRequestMs / summary.warmTsx.firstRequestMs)} to the first request${summary.warm.cpuMs === undefined ? '' : `, ${ratio(summary.warm.cpuMs / summary.warmTsx.cpuMs!)} CPU`}.`,
      '',
      `Warm start within 2 s: ${summary.warm.firstRequestMs <= 2000 ? 'yes' : 'no'} (wall clock). Load average (1 min) ${fixed(loadBefore, 1)} before, ${fixed(loadAfter, 1)} after, on ${os.cpus().length} CPUs: with more runnable work than CPUs, wall times include waiting for one, and the CPU column is closer to what an idle machine shows.`,
      '',
    ].join('\n'),
  );
  const file = path.join(projectRoot, 'bench/cli-start.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        command: 'npm run bench:cli-start',
        measuredAt: new Date().toISOString(),
        machine: { node: process.version, cpus: os.cpus().length, loadAverage1m: { before: loadBefore, after: loadAfter } },
        repetitions: REPETITIONS,
        medians: summary,
        firstRequestVsBaseline: { cold: vsBaseline('cold'), warm: vsBaseline('warm'), warmTsx: vsBaseline('warmTsx') },
        warmVsWarmWithoutBundle: {
          firstRequest: summary.warm.firstRequestMs / summary.warmTsx.firstRequestMs,
          ...(summary.warm.cpuMs === undefined ? {} : { cpu: summary.warm.cpuMs / summary.warmTsx.cpuMs! }),
        },
        samples,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${path.relative(process.cwd(), file)}`);
}

/** One `npm start` against a loopback server: no key is asked for, and the 401 ends the run at its first step. */
async function measure(cacheDir: string, extra: string[], extraEnv: Record<string, string>): Promise<Sample> {
  let firstRequestAt: number | undefined;
  const server = createServer((request, response) => {
    firstRequestAt ??= performance.now();
    request.resume();
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bench"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const command = [npm, 'start', '--silent', '--', '--server', `civitaiOrchestrationApi=${url}`, '--quiet', ...extra];
  const [program, ...args] = hasTime ? [TIME, '-f', 'cpu-seconds %U %S', ...command] : command;
  const child = spawn(program!, args, {
    cwd: projectRoot,
    env: { ...process.env, ARAZZO_SFN_CACHE_DIR: cacheDir, CIVITAI_API_KEY: '', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const exitMs = performance.now() - started;
  server.close();
  if (firstRequestAt === undefined) throw new Error(`npm start made no request (exit ${code}):\n${stderr}`);
  const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(stderr);
  return { firstRequestMs: firstRequestAt - started, exitMs, ...(cpu ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}) };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
