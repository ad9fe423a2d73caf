/**
 * The vitest configuration StrykerJS runs (`npm run mutate`, see docs/testing.md): the suite's own, except that
 * - tests that run the project's commands (or the bundled Lambda) in a child process are left out: a mutant is only active in Stryker's
 *   own process, so they cannot kill one, and at seconds each they would dominate every run they are picked for;
 * - so is the poll-cost measurement (hundreds of polls on virtual time): it states what the default wait policy
 *   costs, and test/wait-policy.test.ts and test/rules/ state the policy's rules in milliseconds;
 * - quick unit tests run first: Stryker stops a mutant's run at its first failing test;
 * - test files share one worker per mutant run (`isolate: false`): the modules load once, not once per file;
 * - the worker thread outlives the run (test/mutation/kept-thread-pool.ts): the next mutant's run finds vitest and
 *   the packages already loaded, and evaluates the project's modules afresh, with no mutant active
 *   (test/mutation/fresh-run-setup.ts), so nothing carries over from one mutant to the next;
 * - CDK apps synthesize without bundling the step runner Lambda: no test here runs the bundle (the local runner
 *   calls the step runner in-process), and esbuild would cost a second per synthesis.
 */
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { FastFirstSequencer } from './test/mutation/fast-first-sequencer.ts';
import { useKeptThreadsPool } from './test/mutation/kept-thread-pool.ts';

export const OUT_OF_PROCESS_TESTS = [
  'test/compile-cli.test.ts',
  'test/local-cli.test.ts',
  'test/docs-diagram.test.ts',
  'test/security/foreign-plan.test.ts',
  'test/spec-documents-cli.test.ts',
  'test/cli-bundle.test.ts',
];
export const MEASUREMENTS = ['test/rules/poll-cost.test.ts'];
/**
 * Left out too by `npm run mutate:quick` (ARAZZO_MUTATE_QUICK=1): the files whose tests synthesize the whole shipped
 * stack or run it end to end (0.25-0.6 s a test). A survivor runs every test that covers it, and these cover most of
 * the engine, so they are most of a full run's time; they are the first killer of about 4 % of the mutants (10 % in
 * lib/http-api). A mutant the quick run kills is killed; one it reports as surviving may be killed by these, so its
 * scores are lower bounds.
 */
export const WHOLE_STACK_TESTS = [
  'test/security/template-hardening.test.ts',
  'test/callbacks-stack.test.ts',
  'test/civitai-callback-document.test.ts',
  'test/readme.test.ts',
  'test/stack.test.ts',
  'test/local-run.test.ts',
  'test/outage.test.ts',
  'test/pin-sources.test.ts',
];
const quick = process.env.ARAZZO_MUTATE_QUICK === '1';

export default mergeConfig(
  base,
  defineConfig({
    plugins: [useKeptThreadsPool()],
    test: {
      setupFiles: ['test/mutation/fresh-run-setup.ts'],
      exclude: [...configDefaults.exclude, ...OUT_OF_PROCESS_TESTS, ...MEASUREMENTS, ...(quick ? WHOLE_STACK_TESTS : [])],
      isolate: false,
      sequence: { sequencer: FastFirstSequencer },
      env: { CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }) },
    },
  }),
);
