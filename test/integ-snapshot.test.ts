/**
 * The integration test (`npm run integ`) cannot deploy here; its committed snapshot is checked offline instead:
 * the app synthesizes without credentials, and what it deploys and asserts matches the snapshot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meaningfulParts, SNAPSHOT_DIR, synthIntegApp } from './integ/snapshot.ts';

describe('the integration test app', () => {
  let outdir: string;
  let fresh: Record<string, unknown>;
  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'arazzo-integ-snapshot-'));
    synthIntegApp(outdir);
    fresh = meaningfulParts(outdir);
  }, 240_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes offline into what its committed snapshot holds (npm run integ:snapshot after a deliberate change)', () => {
    expect(fresh).toEqual(meaningfulParts(SNAPSHOT_DIR));
  });

  it('deploys the workflow next to its test API, and asserts the whole user path through the signed REST API', () => {
    const stack = fresh['ArazzoSfnInteg.template.json'] as { states: Array<Record<string, string>>; buckets: string[]; executeApiGrants: number };
    expect(stack.buckets).toEqual(['arazzo-sfn-integ-echo-12345678-test-region']);
    expect(stack.states[0]).toMatchObject({ readEcho: 'Task GET https://arazzo-sfn-integ-echo-12345678-test-region.s3.test-region.amazonaws.com/echo.json' });
    expect(stack.executeApiGrants).toBe(1);
    const assertStack = Object.entries(fresh).find(([file]) => file.startsWith('RestApiRun'))![1] as { assertions: Array<{ api: string; expected: string }> };
    expect(assertStack.assertions).toHaveLength(1);
    expect(assertStack.assertions[0]!.api).toBe('Lambda.invoke');
    for (const expectation of ['"runStatus":"SUCCEEDED"', '"status":202', '"status":400', '"isJson":true', '"status":409', 'ExecutionAlreadyExists']) {
      expect(assertStack.assertions[0]!.expected).toContain(expectation);
    }
  });
});
