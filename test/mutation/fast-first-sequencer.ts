/**
 * Test file order for mutation runs: quick unit tests first, the files that synthesize a CDK app last.
 * Stryker stops a mutant's run at its first failing test, so a mutant the step runner's own tests kill never
 * waits for a synthesis; vitest's default order (slowest first) would start every run with one.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files whose tests take a tenth of a second or more each (a CDK synthesis, a local run), by time per test, slowest
 * last (vitest's JSON report of the suite, 30 Nov 2026); a basename matches in any folder.
 */
export const SLOW_TESTS = [
  'arazzo-load', 'compile-workflow', 'civitai-simulator', 'callbacks-wake', 'double-charge', 'parallel-steps', 'compile-limits', 'http-api-nag',
  'receive-run', 'compose-workflows', 'input-bounds', 'callbacks', 'http-api-construct', 'response-bounds', 'local-run', 'stack',
  'compose-compile', 'outage', 'civitai-callback-document', 'readme', 'callbacks-stack', 'template-hardening', 'pin-sources', 'poll-cost',
];

const rank = (spec: TestSpecification): number => {
  const name = spec.moduleId.split('/').pop()?.replace(/\.test\.ts$/, '') ?? '';
  const slow = SLOW_TESTS.indexOf(name);
  return slow === -1 ? -1 : slow;
};

export class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}
