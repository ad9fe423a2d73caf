/**
 * The Mermaid diagram of a state machine: what each kind of state and rule looks like, and the definitions it
 * refuses to draw.
 */
import { describe, expect, it } from 'vitest';
import { aslToMermaid, type MermaidAslDefinition } from '../../lib/compile/mermaid.ts';

const machine = (states: MermaidAslDefinition['States'], startAt = 'a'): MermaidAslDefinition => ({ StartAt: startAt, States: states });

describe('the diagram', () => {
  it('is refused when StartAt names no state, listing the states', () => {
    expect(() => aslToMermaid(machine({ a: { Type: 'Succeed' }, b: { Type: 'Succeed' } }, 'c'))).toThrow(
      'aslToMermaid: StartAt "c" names no state in States; set StartAt to one of: a, b',
    );
  });

  it('draws Map and Parallel states as subroutines', () => {
    const text = aslToMermaid(machine({ a: { Type: 'Map', Next: 'b' }, b: { Type: 'Parallel', End: true } }));
    expect(text).toContain('[["a"]]');
    expect(text).toContain('[["b"]]');
  });

  it('cuts a label longer than 60 characters to 59 and an ellipsis', () => {
    const long = 'x'.repeat(61);
    const text = aslToMermaid(machine({ [long]: { Type: 'Succeed' } }, long));
    expect(text).toContain(`"${'x'.repeat(59)}…"`);
    const exact = 'y'.repeat(60);
    expect(aslToMermaid(machine({ [exact]: { Type: 'Succeed' } }, exact))).toContain(`"${exact}"`);
  });

  it('labels rules without a Comment by what they compare: and, or, not, Is- tests, or "rule"', () => {
    const text = aslToMermaid(
      machine({
        a: {
          Type: 'Choice',
          Choices: [
            { And: [{ Variable: '$.x', StringEquals: 'p' }, { Variable: '$.y', NumericEquals: 2 }], Next: 'b' },
            { Or: [{ Variable: '$.x', StringEquals: 'q' }, { Variable: '$.x', StringEquals: 'r' }], Next: 'c' },
            { Not: { Variable: '$.x', StringEquals: 's' }, Next: 'd' },
            { Variable: '$.z', IsPresent: false, Next: 'e' },
            { Variable: '$.z', Next: 'f' },
          ],
        } as unknown as MermaidAslDefinition['States'][string],
        b: { Type: 'Succeed' },
        c: { Type: 'Succeed' },
        d: { Type: 'Succeed' },
        e: { Type: 'Succeed' },
        f: { Type: 'Succeed' },
      }),
    );
    for (const label of ['p and 2', 'q or r', 'not s', 'IsPresent false', 'rule']) expect(text).toContain(`|"${label}"|`);
  });
});

describe('the diagram of Parallel branches', () => {
  const inner = { Type: 'Parallel', End: true, Branches: [{ StartAt: 'deep', States: { deep: { Type: 'Task', End: true } } }] };
  const nested = machine({
    a: { Type: 'Parallel', Next: 'after', Branches: [{ StartAt: 'x', States: { x: { Type: 'Pass', Next: 'done' }, done: { Type: 'Succeed' } } }, { StartAt: 'inner', States: { inner } }] },
    after: { Type: 'Succeed' },
  });
  const subgraphs = (text: string) => text.split('\n').filter((line) => line.startsWith('  subgraph') || line === '  end');

  it("declares each branch's states inside its subgraph, nested Parallels' branches nested, each subgraph closed", () => {
    const text = aslToMermaid(nested);
    expect(subgraphs(text)).toEqual([
      '  subgraph asl_branch_1 ["a: branch 1"]',
      '  end',
      '  subgraph asl_branch_2 ["a: branch 2"]',
      '  subgraph asl_branch_3 ["inner: branch 1"]',
      '  end',
      '  end',
    ]);
    const lines = text.split('\n');
    expect(lines.slice(lines.indexOf('  subgraph asl_branch_1 ["a: branch 1"]') + 1, lines.indexOf('  subgraph asl_branch_2 ["a: branch 2"]'))).toEqual(['  s_x("x")', '  s_done(("done"))', '  end']);
    expect(text).toContain('  subgraph asl_branch_3 ["inner: branch 1"]\n  s_deep["deep"]\n  end');
  });

  it('joins a branch that ends in Succeed, or in a Parallel that ends it, into the state after the Parallel; steps before the end do not join', () => {
    const text = aslToMermaid(nested);
    expect(text).toContain('s_done -->|"joined"| s_after');
    expect(text).toContain('s_deep -->|"joined"| s_after');
    expect(text).not.toMatch(/s_x -->\|"joined"\|/);
    expect(text).not.toMatch(/s_inner -->\|"joined"\|/);
  });

  it('leads a Parallel that ends the run into its branches, whose ends lead to the end marker', () => {
    const text = aslToMermaid(machine({ a: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'b', States: { b: { Type: 'Task', End: true } } }] } }));
    expect(text).toContain('  s_a --> s_b\n  s_b -->|"joined"| asl_end\n');
    expect(text).not.toContain('s_a --> asl_end');
    expect(text).toContain('  class asl_start,asl_end marker');
  });
});

describe('the diagram of any definition', () => {
  it('gives states whose names differ only in punctuation ids of their own, numbered from 2', () => {
    const text = aslToMermaid(machine({ 'a b': { Type: 'Pass', Next: 'a_b' }, a_b: { Type: 'Pass', Next: 'a-b' }, 'a-b': { Type: 'Succeed' } }, 'a b'));
    expect(text).toContain('  s_a_b("a b")\n  s_a_b_2("a_b")\n  s_a_b_3(("a-b"))');
  });

  it('draws a loop among states the start does not reach as a loop too (dotted)', () => {
    const text = aslToMermaid(machine({ a: { Type: 'Succeed' }, b: { Type: 'Pass', Next: 'c' }, c: { Type: 'Pass', Next: 'b' } }));
    expect(text).toContain('  s_b --> s_c\n  s_c -.-> s_b');
  });

  it('labels a rule whose Not is null by what it compares', () => {
    const rule = { Not: null, Variable: '$.x', StringEquals: 's', Next: 'b' };
    const text = aslToMermaid(machine({ a: { Type: 'Choice', Choices: [rule] } as MermaidAslDefinition['States'][string], b: { Type: 'Succeed' } }));
    expect(text).toContain('s_a -->|"s"| s_b');
  });
});
