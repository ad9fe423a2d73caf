import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../lib/compile/asl.ts';
import { aslToMermaid, type MermaidAslDefinition } from '../lib/compile/mermaid.ts';

interface DrawnEdge {
  from: string;
  to: string;
  label: string | undefined;
  loop: boolean;
}

/** Reads the diagram back: node labels by id, and edges between labels. */
function read(diagram: string): { nodes: Map<string, { label: string; line: string }>; edges: DrawnEdge[] } {
  const decode = (text: string) => text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
  const nodes = new Map<string, { label: string; line: string }>();
  const edgeLines: string[] = [];
  for (const line of diagram.split('\n').slice(1)) {
    const node = /^ {2}(\w+)[[({>]+"(.*)"[\])}]+$/.exec(line);
    // The start and end markers are unlabelled dots; name them so edges read naturally.
    const markers: Record<string, string> = { asl_start: 'Start', asl_end: 'End' };
    if (node) nodes.set(node[1]!, { label: markers[node[1]!] ?? decode(node[2]!), line });
    else if (/ (-->|-\.->)/.test(line)) edgeLines.push(line);
  }
  const edges = edgeLines.map((line): DrawnEdge => {
    const [, from, arrow, label, to] = /^ {2}(\w+) (-->|-\.->)(?:\|"(.*)"\|)? (\w+)$/.exec(line) ?? [];
    if (!from || !to) throw new Error(`unreadable edge line: ${line}`);
    return { from: nodes.get(from)!.label, to: nodes.get(to)!.label, label: label === undefined ? undefined : decode(label), loop: arrow === '-.->' };
  });
  return { nodes, edges };
}

// Built apart from the machine: Choice rules carry comparison fields the diagram finds by name, not by type.
const routeRules = [
  { Variable: '$.control.route', StringEquals: 'stillRunning', Next: 'Wait 5s.', Comment: 'still running' },
  { Variable: '$.control.route', StringEquals: 'finished', Next: 'Done' },
];

const pollingMachine: MermaidAslDefinition = {
  StartAt: 'Submit: generation',
  States: {
    'Submit: generation': {
      Type: 'Task',
      Next: 'Poll status',
      Catch: [{ ErrorEquals: ['States.Timeout', 'States.TaskFailed'], Next: 'Failed [hard] "stop"' }],
    },
    'Poll status': { Type: 'Task', Next: 'Route after poll' },
    'Route after poll': {
      Type: 'Choice',
      Choices: routeRules,
      Default: 'Failed [hard] "stop"',
    },
    'Wait 5s.': { Type: 'Wait', Next: 'Poll status' },
    Done: { Type: 'Succeed' },
    'Failed [hard] "stop"': { Type: 'Fail' },
  },
};

describe('aslToMermaid', () => {
  const diagram = aslToMermaid(pollingMachine);
  const { nodes, edges } = read(diagram);
  const edge = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to);

  it('is a top-down flowchart with one node per state, labelled with the state name', () => {
    expect(diagram.startsWith('flowchart TD\n')).toBe(true);
    const labels = [...nodes.values()].map((node) => node.label);
    expect(labels).toEqual(expect.arrayContaining(Object.keys(pollingMachine.States)));
  });

  it('gives node ids that Mermaid accepts even for names with spaces, colons, dots, brackets and quotes', () => {
    for (const id of nodes.keys()) expect(id).toMatch(/^\w+$/);
    const failLine = [...nodes.values()].find((node) => node.label === 'Failed [hard] "stop"')!.line;
    expect(failLine.match(/"/g)).toHaveLength(2);
  });

  it('draws each state type in its own shape', () => {
    const shapeOf = (name: string) => [...nodes.values()].find((node) => node.label === name)!.line.replace(/^ {2}\w+/, '').replace(/".*"/, '…');
    expect(shapeOf('Poll status')).toBe('[…]');
    expect(shapeOf('Route after poll')).toBe('{…}');
    expect(shapeOf('Wait 5s.')).toBe('([…])');
    expect(shapeOf('Done')).toBe('((…))');
    expect(shapeOf('Failed [hard] "stop"')).toBe('(((…)))');
  });

  it('labels Choice rules with their Comment, else the compared value, and the Default edge "default"', () => {
    expect(edge('Route after poll', 'Wait 5s.')?.label).toBe('still running');
    expect(edge('Route after poll', 'Done')?.label).toBe('finished');
    expect(edge('Route after poll', 'Failed [hard] "stop"')?.label).toBe('default');
  });

  it('labels Catch edges with the error names', () => {
    expect(edge('Submit: generation', 'Failed [hard] "stop"')?.label).toBe('States.Timeout, States.TaskFailed');
  });

  it('draws Next edges unlabelled, and the edge back into the polling loop dotted', () => {
    expect(edge('Submit: generation', 'Poll status')).toEqual({ from: 'Submit: generation', to: 'Poll status', label: undefined, loop: false });
    expect(edge('Wait 5s.', 'Poll status')?.loop).toBe(true);
    expect(edges.filter((e) => e.loop)).toHaveLength(1);
  });

  it('marks where the machine starts', () => {
    expect(edges.filter((e) => e.from === 'Start')).toEqual([{ from: 'Start', to: 'Submit: generation', label: undefined, loop: false }]);
  });

  it('keeps ids apart when two names sanitize alike, and clear of the keyword "end"', () => {
    const { nodes: drawn } = read(
      aslToMermaid({ StartAt: 'a b', States: { 'a b': { Type: 'Pass', Next: 'a:b' }, 'a:b': { Type: 'Pass', Next: 'end' }, end: { Type: 'Succeed' } } }),
    );
    expect(new Set(drawn.keys()).size).toBe(drawn.size);
    expect([...drawn.keys()]).not.toContain('end');
  });

  it('escapes characters that would break a quoted label or an edge label', () => {
    const text = aslToMermaid({
      StartAt: 'x',
      States: { x: { Type: 'Choice', Choices: [{ Next: 'y', Comment: 'a | b <i> #1; `c`' }], Default: 'y' }, y: { Type: 'Succeed' } },
    });
    const label = /\|"(.*)"\|/.exec(text)![1]!;
    expect(label).not.toMatch(/[|<>`"]/);
    expect(read(text).edges.find((e) => e.from === 'x' && e.label !== 'default')?.label).toBe('a | b <i> #1; `c`');
  });

  it('draws an End on states that end the machine, and a self-loop as a loop', () => {
    const { edges: drawn, nodes: drawnNodes } = read(aslToMermaid({ StartAt: 'spin', States: { spin: { Type: 'Task', Next: 'spin' }, last: { Type: 'Pass', End: true } } }));
    expect(drawn.find((e) => e.from === 'spin')?.loop).toBe(true);
    expect(drawn.find((e) => e.from === 'last')?.to).toBe('End');
    expect([...drawnNodes.values()].map((node) => node.label).sort()).toEqual(['End', 'Start', 'last', 'spin']);
  });

  it('refuses a transition to a missing state, naming both', () => {
    expect(() => aslToMermaid({ StartAt: 'a', States: { a: { Type: 'Task', Next: 'ghost' } } })).toThrow(/"a" goes to "ghost"/);
  });

  it('accepts the definition type the compiler emits', () => {
    const compiled: AslDefinition = {
      StartAt: 'Route',
      States: {
        Route: { Type: 'Choice', Choices: [{ Variable: '$.r', StringEquals: 'go', Next: 'Pause' }], Default: 'Stop' },
        Pause: { Type: 'Wait', SecondsPath: '$.s', Next: 'Route' },
        Stop: { Type: 'Fail', Error: 'E' },
      },
    };
    expect(read(aslToMermaid(compiled)).edges.map((e) => `${e.from}>${e.to}:${e.label ?? ''}${e.loop ? ' loop' : ''}`)).toEqual([
      'Start>Route:',
      'Route>Pause:go',
      'Route>Stop:default',
      'Pause>Route: loop',
    ]);
  });
});
