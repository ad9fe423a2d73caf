/**
 * Mutation scores per folder from the committed incremental report (or a report given as an argument):
 * `npm run mutate:scores`. Score = detected / (detected + undetected), as Stryker counts it:
 * detected = Killed + Timeout, undetected = Survived + NoCoverage; Ignored and CompileError do not count.
 */
import { readFileSync } from 'node:fs';

interface Report {
  files: Record<string, { mutants: Array<{ status: string; mutatorName: string; location: { start: { line: number } } }> }>;
}

export const FOLDERS = ['lib/arazzo', 'lib/compile', 'lib/http-api', 'lib/runtime', 'lambdas/step-runner', 'lambdas/callbacks'];

export function scores(report: Report): Array<{ folder: string; killed: number; survived: number; noCoverage: number; timeout: number; ignored: number; score: number }> {
  return FOLDERS.map((folder) => {
    const tally = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, ignored: 0 };
    for (const [file, { mutants }] of Object.entries(report.files)) {
      if (!file.replace(/\\/g, '/').startsWith(`${folder}/`)) continue;
      for (const { status } of mutants) {
        if (status === 'Killed') tally.killed++;
        else if (status === 'Survived') tally.survived++;
        else if (status === 'NoCoverage') tally.noCoverage++;
        else if (status === 'Timeout') tally.timeout++;
        else if (status === 'Ignored') tally.ignored++;
      }
    }
    const detected = tally.killed + tally.timeout;
    const valid = detected + tally.survived + tally.noCoverage;
    return { folder, ...tally, score: valid === 0 ? Number.NaN : (100 * detected) / valid };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? 'test/mutation/stryker-incremental.json';
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const rows = scores(report);
  console.log(`mutation scores from ${file}`);
  console.log('folder'.padEnd(22) + 'score'.padStart(8) + 'killed'.padStart(8) + 'timeout'.padStart(9) + 'survived'.padStart(10) + 'no cov'.padStart(8) + 'ignored'.padStart(9));
  for (const r of rows) {
    console.log(
      r.folder.padEnd(22) +
        (Number.isNaN(r.score) ? 'n/a' : `${r.score.toFixed(1)} %`).padStart(8) +
        String(r.killed).padStart(8) +
        String(r.timeout).padStart(9) +
        String(r.survived).padStart(10) +
        String(r.noCoverage).padStart(8) +
        String(r.ignored).padStart(9),
    );
  }
  if (process.argv.includes('--survivors')) {
    for (const [file, { mutants }] of Object.entries(report.files)) {
      for (const m of mutants) if (m.status === 'Survived' || m.status === 'NoCoverage') console.log(`${file}:${m.location.start.line} ${m.status} ${m.mutatorName}`);
    }
  }
}
