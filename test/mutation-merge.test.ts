import { describe, expect, it } from 'vitest';
import { mergeReports, onlyFiles, type StrykerReport } from './mutation/merge-reports.ts';

const report = (file: string, tests: string[], status: string, coveredBy: string[]): StrykerReport => ({
  files: { [file]: { mutants: [{ id: '0', status, coveredBy, killedBy: status === 'Killed' ? coveredBy.slice(0, 1) : [] }] } },
  testFiles: { 'test/a.test.ts': { tests: tests.map((name, i) => ({ id: String(i), name })) } },
});

describe('merging mutation reports into the baseline', () => {
  it('a later report replaces the result of the same source file and keeps the others', () => {
    const base = { ...report('lib/x.ts', ['t1'], 'Survived', ['0']), files: { ...report('lib/x.ts', ['t1'], 'Survived', ['0']).files, ...report('lib/y.ts', ['t1'], 'Survived', ['0']).files } };
    const merged = mergeReports(base, [report('lib/x.ts', ['t1'], 'Killed', ['0'])]);
    expect(merged.files['lib/x.ts']?.mutants[0]?.status).toBe('Killed');
    expect(merged.files['lib/y.ts']?.mutants[0]?.status).toBe('Survived');
  });

  it('a merged mutant still names its own tests when the reports numbered their tests differently', () => {
    const base = report('lib/y.ts', ['first', 'second'], 'Killed', ['1']);
    const later = report('lib/x.ts', ['second'], 'Killed', ['0']);
    const merged = mergeReports(base, [later]);
    const names = (file: string): string[] => {
      const tests = merged.testFiles?.['test/a.test.ts']?.tests ?? [];
      return (merged.files[file]?.mutants[0]?.killedBy ?? []).map((id) => tests.find((t) => t.id === id)?.name ?? '?');
    };
    expect(names('lib/y.ts')).toEqual(['second']);
    expect(names('lib/x.ts')).toEqual(['second']);
  });

  it('a test the newer report no longer has is dropped from what its mutants cite', () => {
    const base = report('lib/x.ts', ['gone'], 'Killed', ['0']);
    const later: StrykerReport = { files: {}, testFiles: { 'test/a.test.ts': { tests: [{ id: '0', name: 'kept' }] } } };
    const merged = mergeReports(base, [later]);
    expect(merged.testFiles?.['test/a.test.ts']?.tests.map((t) => t.name)).toEqual(['kept']);
    expect(merged.files['lib/x.ts']?.mutants[0]?.killedBy).toEqual([]);
    expect(merged.files['lib/x.ts']?.mutants[0]?.coveredBy).toEqual([]);
  });

  it('a report limited to a folder leaves the stale results it carries for other folders out of the baseline', () => {
    const base = report('lib/y.ts', ['t1'], 'Killed', ['0']);
    const later = { ...report('lib/x.ts', ['t1'], 'Killed', ['0']), files: { ...report('lib/x.ts', ['t1'], 'Killed', ['0']).files, ...report('lib/y.ts', ['t1'], 'Survived', ['0']).files } };
    const merged = mergeReports(base, [onlyFiles(later, 'lib/x')]);
    expect(merged.files['lib/y.ts']?.mutants[0]?.status).toBe('Killed');
    expect(merged.files['lib/x.ts']?.mutants[0]?.status).toBe('Killed');
  });
});
