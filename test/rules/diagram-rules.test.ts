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
