/**
 * Test file order for mutation runs: quick unit tests first, the files that synthesize a CDK app last.
 * Stryker stops a mutant's run at its first failing test, so a mutant the step runner's own tests kill never
 * waits for a synthesis; vitest's default order (slowest first) would start every run with one.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that take seconds (most synthesize a CDK app), slowest last. */
export const SLOW_TESTS = ['arazzo-load', 'compile-workflow', 'civitai-simulator', 'http-api-nag', 'readme', 'http-api-construct', 'stack', 'response-bounds', 'local-run', 'double-charge', 'poll-cost'];

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
