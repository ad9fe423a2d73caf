import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // aws-cdk-lib's built-in CloudFormation template check costs seconds per synth; `cdk synth` still runs it.
    env: { CDK_VALIDATION: 'false' },
  },
});
