/**
 * Step Functions' size limits, checked at compile time: what the refusal names (the largest states, largest first,
 * with their sizes) so the author knows which steps to shorten.
 */
import { describe, expect, it } from 'vitest';
import type { AslDefinition, AslState } from '../../lib/compile/asl.ts';
import { checkDefinitionLimits, MAX_TASK_PARAMETERS_BYTES } from '../../lib/compile/definition-limits.ts';

const task = (text: string): AslState => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { text }, End: true }) as unknown as AslState;
const pass = (text: string): AslState => ({ Type: 'Pass', Parameters: { text }, End: true }) as unknown as AslState;
/** Parameters of exactly `bytes` bytes of JSON ({"text":"..."} is 11 bytes more than the text). */
const sized = (bytes: number) => 'x'.repeat(bytes - 11);
const refusal = (States: Record<string, AslState>) => {
  const name = Object.keys(States)[0]!;
  try {
    checkDefinitionLimits({ StartAt: name, States } as AslDefinition, 'doc.yml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('a Task whose Parameters pass 256 KiB', () => {
  it('is refused naming the three largest such Tasks, largest first, each with its Parameters in KiB', () => {
    const over = MAX_TASK_PARAMETERS_BYTES;
    const message = refusal({ a: task(sized(over + 1024)), b: task(sized(over + 3 * 1024)), c: task(sized(over + 2 * 1024)), d: task(sized(over + 512)), small: task('x') });
    expect(message).toBe(
      "doc.yml: the Parameters of 4 Tasks exceed Step Functions' 256 KiB limit for a state's input: b (259.0 KiB), c (258.0 KiB), a (257.0 KiB); " +
        'shorten the literal values (request bodies, parameter values, criteria) of those steps, or pass large text as a workflow input',
    );
  });

  it('alone is "a Task"', () => {
    expect(refusal({ only: task(sized(MAX_TASK_PARAMETERS_BYTES + 1024)) })).toContain('the Parameters of a Task exceed');
  });

  it('is named by at most 80 characters of its state name', () => {
    const long = 'n'.repeat(100);
    expect(refusal({ [long]: task(sized(MAX_TASK_PARAMETERS_BYTES + 1024)) })).toContain(`: ${'n'.repeat(80)} (257.0 KiB); `);
  });
});

describe('a definition over 1 MB', () => {
  it('is refused naming the largest states, but never a Parallel (it holds the states that are large)', () => {
    const value = sized(230 * 1024);
    const States = {
      p: { Type: 'Parallel', Branches: [{ StartAt: 'inner', States: { inner: pass(`${value}xxxx`) } }], End: true } as unknown as AslState,
      s1: pass(value),
      s2: pass(value),
      s3: pass(value),
      s4: pass(value),
    };
    const message = refusal(States);
    expect(message).toMatch(/the largest steps are inner \(\d+\.\d KiB\), s1 \(\d+\.\d KiB\), s2 \(\d+\.\d KiB\); shorten/);
  });
});
