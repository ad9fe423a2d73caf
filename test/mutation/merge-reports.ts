/**
 * Merges Stryker reports into the committed incremental baseline: `npm run mutate:merge -- <report.json>...`.
 * Folders are measured in separate runs (one per developer's worktree, or one per folder on a 2-core machine); each
 * report's source files replace the baseline's, so the baseline holds the newest result of every file.
 *
 * Test ids are local to a report (`coveredBy`/`killedBy` point into its own `testFiles`), so they are remapped onto
 * one id per test file and test name; without that, a merged mutant would name somebody else's tests and the next
 * incremental run would reuse results it should re-test.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Test { id: string; name: string; location?: unknown }
interface Mutant { killedBy?: string[]; coveredBy?: string[]; [key: string]: unknown }
export interface StrykerReport {
  files: Record<string, { mutants: Mutant[]; [key: string]: unknown }>;
  testFiles?: Record<string, { tests: Test[]; source?: string }>;
  [key: string]: unknown;
}

/** The reports' files and tests, later reports winning per source file and per test file. */
export function mergeReports(base: StrykerReport, reports: StrykerReport[]): StrykerReport {
  const ids = new Map<string, string>();
  const testFiles: NonNullable<StrykerReport['testFiles']> = {};
  const idOf = (file: string, name: string): string => {
    const key = `${file}\u0000${name}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = String(ids.size);
      ids.set(key, id);
    }
    return id;
  };
  const files: StrykerReport['files'] = {};
  for (const report of [base, ...reports]) {
    const local = new Map<string, string>();
    for (const [file, { tests, source }] of Object.entries(report.testFiles ?? {})) {
      const remapped = tests.map((test) => {
        const id = idOf(file, test.name);
        local.set(test.id, id);
        return { ...test, id };
      });
      testFiles[file] = source === undefined ? { tests: remapped } : { tests: remapped, source };
    }
    const remap = (list: string[] | undefined): string[] | undefined => list?.flatMap((id) => local.get(id) ?? []);
    for (const [file, entry] of Object.entries(report.files)) {
      files[file] = { ...entry, mutants: entry.mutants.map((m) => ({ ...m, killedBy: remap(m.killedBy), coveredBy: remap(m.coveredBy) })) };
    }
  }
  // A test file that a later report rewrote may have lost tests that older mutants cite.
  const live = new Set(Object.values(testFiles).flatMap(({ tests }) => tests.map((t) => t.id)));
  const keepLive = (list: string[] | undefined): string[] | undefined => list?.filter((id) => live.has(id));
  for (const entry of Object.values(files)) entry.mutants = entry.mutants.map((m) => ({ ...m, killedBy: keepLive(m.killedBy), coveredBy: keepLive(m.coveredBy) }));
  return { ...base, files, testFiles };
}

/** The report with only the source files under a prefix (a folder, or one file). */
export function onlyFiles(report: StrykerReport, prefix: string): StrykerReport {
  return { ...report, files: Object.fromEntries(Object.entries(report.files).filter(([file]) => file.startsWith(prefix))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = 'test/mutation/stryker-incremental.json';
  const read = (path: string): StrykerReport => JSON.parse(readFileSync(path, 'utf8')) as StrykerReport;
  const reports = process.argv.slice(2);
  if (reports.length === 0) {
    console.error('usage: npm run mutate:merge -- <reports/mutation/mutation.json>[#<folder>] [...]  (merged into ' + target + ')');
    process.exit(2);
  }
  // `report.json#lib/http-api` takes only that folder's files: a report also carries the results it reused from its
  // own (possibly older) baseline for files it did not mutate, and those must not overwrite newer ones.
  const merged = mergeReports(
    read(target),
    reports.map((arg) => {
      const [path = arg, only] = arg.split('#');
      const report = read(path);
      return only === undefined ? report : onlyFiles(report, only);
    }),
  );
  writeFileSync(target, JSON.stringify(merged));
  console.log(`merged ${reports.length} report(s) into ${target}: ${Object.keys(merged.files).length} source files, ${Object.keys(merged.testFiles ?? {}).length} test files`);
}
