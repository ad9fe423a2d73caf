/**
 * Renders an Amazon States Language definition as a Mermaid `flowchart TD`, so a compiled state
 * machine can be reviewed in a pull request or a README the way the Step Functions console draws it.
 *
 * Knows ASL only. Edges that close a loop (to a state still on the depth-first path from StartAt)
 * are drawn dotted, so polling loops stand out from the forward flow. A Parallel state's branches are drawn
 * as subgraphs: the Parallel leads to each branch's first state, and the states that end a branch lead to
 * the state after the Parallel ("joined").
 */

/** The part of a Choice rule the diagram reads; comparison operators are found by name at run time. */
export interface MermaidChoiceRule {
  Next?: string;
  Comment?: string;
}

export interface MermaidCatcher {
  ErrorEquals: string[];
  Next: string;
}

/** The part of an ASL state the diagram reads (any state of `lib/compile/asl.ts` fits). */
export interface MermaidAslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: readonly MermaidChoiceRule[];
  Catch?: readonly MermaidCatcher[];
  Branches?: readonly MermaidAslBranch[];
}

export interface MermaidAslBranch {
  StartAt: string;
  States: Record<string, MermaidAslState>;
}

export interface MermaidAslDefinition {
  StartAt: string;
  States: Record<string, MermaidAslState>;
}

/** Edges join node keys: a state's name, prefixed inside a branch by its Parallel's key and branch number. */
interface Edge {
  from: string;
  to: string;
  label?: string;
}

interface Node {
  key: string;
  name: string;
  state: MermaidAslState;
  /** Where a Next, Default, Choice or Catch of this state leads, by state name: its own States. */
  scope: Map<string, string>;
  /** For a state of a branch: the state after the Parallel (or the end marker), where ending the branch leads. */
  joinsInto?: string;
  /** For a Parallel: the first state of each branch. */
  branchStarts: string[];
}

/** A Parallel branch's states, drawn as a subgraph (nested branches inside). */
interface Group {
  label: string;
  keys: string[];
  groups: Group[];
}

const START_ID = 'asl_start';
const END_ID = 'asl_end';
const MAX_LABEL_LENGTH = 60;

/** Keys of a Choice rule that are not the comparison itself. */
const RULE_FIELDS = new Set(['Next', 'Comment', 'Variable', 'Assign', 'Output', 'And', 'Or', 'Not', 'Condition']);

export function aslToMermaid(definition: MermaidAslDefinition): string {
  const names = Object.keys(definition.States);
  if (!names.includes(definition.StartAt)) {
    throw new Error(`aslToMermaid: StartAt "${definition.StartAt}" names no state in States; set StartAt to one of: ${names.join(', ')}`);
  }
  const nodes: Node[] = [];
  const top = collect(definition.States, '', undefined, nodes);
  const byKey = new Map(nodes.map((node) => [node.key, node]));
  const ids = nodeIds(nodes.map((node) => node.key), (key) => byKey.get(key)!.name);
  ids.set(END_ID, END_ID);
  const edges = nodes.flatMap(outgoingEdges);
  for (const edge of edges) {
    if (!ids.has(edge.to)) throw new Error(`aslToMermaid: state "${byKey.get(edge.from)!.name}" goes to "${edge.to}", which is not in States; fix its Next, Default, Choices or Catch`);
  }
  const loopEdges = backEdges(top.keys[names.indexOf(definition.StartAt)]!, nodes.map((node) => node.key), edges);

  // Unlabelled dots (UML initial and final nodes), so they cannot be mistaken for states named "Start" or "End".
  const lines = ['flowchart TD', `  ${START_ID}((" "))`];
  const declare = (key: string) => lines.push(`  ${ids.get(key)}${shape(byKey.get(key)!.state.Type, label(byKey.get(key)!.name))}`);
  let groupCount = 0;
  const drawGroup = (group: Group) => {
    lines.push(`  subgraph asl_branch_${++groupCount} ["${label(group.label)}"]`);
    group.keys.forEach(declare);
    group.groups.forEach(drawGroup);
    lines.push('  end');
  };
  top.keys.forEach(declare);
  top.groups.forEach(drawGroup);
  const ending = edges.some((edge) => edge.to === END_ID);
  if (ending) lines.push(`  ${END_ID}(((" ")))`);

  lines.push(`  ${START_ID} --> ${ids.get(definition.StartAt)}`);
  for (const edge of edges) {
    const arrow = loopEdges.has(edge) ? '-.->' : '-->';
    const text = edge.label === undefined ? '' : `|"${label(edge.label)}"|`;
    lines.push(`  ${ids.get(edge.from)} ${arrow}${text} ${ids.get(edge.to)}`);
  }

  const ofType = (type: string) => nodes.filter((node) => node.state.Type === type).map((node) => ids.get(node.key));
  lines.push('  classDef succeed fill:#d7f0dc,stroke:#2e7d32', '  classDef fail fill:#f9d6d5,stroke:#c62828', '  classDef marker fill:#333333,stroke:#333333');
  const succeeds = ofType('Succeed');
  const fails = ofType('Fail');
  if (succeeds.length > 0) lines.push(`  class ${succeeds.join(',')} succeed`);
  if (fails.length > 0) lines.push(`  class ${fails.join(',')} fail`);
  lines.push(`  class ${ending ? `${START_ID},${END_ID}` : START_ID} marker`);
  return `${lines.join('\n')}\n`;
}

/** The nodes of one States map, and of its Parallels' branches; returns its keys and its branches' groups. */
function collect(states: Record<string, MermaidAslState>, prefix: string, joinsInto: string | undefined, nodes: Node[]): Group {
  const scope = new Map(Object.keys(states).map((name) => [name, `${prefix}${name}`]));
  const group: Group = { label: '', keys: [], groups: [] };
  for (const [name, state] of Object.entries(states)) {
    const node: Node = { key: scope.get(name)!, name, state, scope, ...(joinsInto !== undefined ? { joinsInto } : {}), branchStarts: [] };
    nodes.push(node);
    group.keys.push(node.key);
    const after = state.Next !== undefined ? (scope.get(state.Next) ?? state.Next) : state.End === true ? (joinsInto ?? END_ID) : undefined;
    (state.Branches ?? []).forEach((branch, i) => {
      const inner = collect(branch.States, `${node.key}\u0000${i}\u0000`, after, nodes);
      node.branchStarts.push(`${node.key}\u0000${i}\u0000${branch.StartAt}`);
      group.groups.push({ ...inner, label: `${name}: branch ${i + 1}` });
    });
  }
  return group;
}
/** Mermaid ids allow letters, digits and `_`; the prefix keeps ids clear of keywords such as `end`. */
function nodeIds(keys: string[], nameOf: (key: string) => string): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set([START_ID, END_ID]);
  for (const key of keys) {
    const base = `s_${nameOf(key).replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    ids.set(key, id);
  }
  return ids;
}

function shape(type: string, text: string): string {
  switch (type) {
    case 'Choice':
      return `{"${text}"}`;
    case 'Wait':
      return `(["${text}"])`;
    case 'Succeed':
      return `(("${text}"))`;
    case 'Fail':
      return `((("${text}")))`;
    case 'Pass':
      return `("${text}")`;
    case 'Parallel':
    case 'Map':
      return `[["${text}"]]`;
    default:
      return `["${text}"]`;
  }
}

/**
 * Text for inside a quoted Mermaid label: quotes, `#` (entity syntax), `|` (edge-label delimiter),
 * markup characters and backticks (markdown strings) become entity codes.
 */
function label(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const short = flat.length > MAX_LABEL_LENGTH ? `${flat.slice(0, MAX_LABEL_LENGTH - 1)}…` : flat;
  return short.replace(/[#"|<>&`]/g, (char) => `#${char.codePointAt(0)};`);
}

function outgoingEdges(node: Node): Edge[] {
  const { key, state, scope } = node;
  const to = (name: string) => scope.get(name) ?? name;
  const edges: Edge[] = [];
  for (const rule of state.Choices ?? []) {
    if (rule.Next !== undefined) edges.push({ from: key, to: to(rule.Next), label: rule.Comment ?? describeRule(rule) });
  }
  if (state.Default !== undefined) edges.push({ from: key, to: to(state.Default), label: 'default' });
  // A Parallel with branches leads into them; their ends lead on to its Next.
  for (const start of node.branchStarts) edges.push({ from: key, to: start });
  if (state.Next !== undefined && node.branchStarts.length === 0) edges.push({ from: key, to: to(state.Next) });
  for (const catcher of state.Catch ?? []) edges.push({ from: key, to: to(catcher.Next), label: catcher.ErrorEquals.join(', ') });
  const endsBranch = state.End === true || (node.joinsInto !== undefined && state.Type === 'Succeed');
  if (endsBranch && node.branchStarts.length === 0) {
    edges.push(node.joinsInto === undefined ? { from: key, to: END_ID } : { from: key, to: node.joinsInto, label: 'joined' });
  }
  return edges;
}

/** A rule without a Comment is labelled with what it compares against (or its JSONata condition). */
function describeRule(rule: object): string {
  const fields = rule as Record<string, unknown>;
  if (typeof fields.Condition === 'string') return fields.Condition;
  if (Array.isArray(fields.And)) return fields.And.map((nested: object) => describeRule(nested)).join(' and ');
  if (Array.isArray(fields.Or)) return fields.Or.map((nested: object) => describeRule(nested)).join(' or ');
  if (typeof fields.Not === 'object' && fields.Not !== null) return `not ${describeRule(fields.Not)}`;
  const comparison = Object.entries(fields).find(([key]) => !RULE_FIELDS.has(key));
  if (!comparison) return 'rule';
  const [operator, value] = comparison;
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return operator.startsWith('Is') ? `${operator} ${shown}` : shown;
}

/** Edges to a state on the current depth-first path from the start: the ones that close a loop. */
function backEdges(start: string, keys: string[], edges: Edge[]): Set<Edge> {
  const outgoing = new Map<string, Edge[]>();
  for (const edge of edges) outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge]);
  const loops = new Set<Edge>();
  const done = new Set<string>();
  const onPath = new Set<string>();
  const visit = (key: string): void => {
    onPath.add(key);
    for (const edge of outgoing.get(key) ?? []) {
      if (onPath.has(edge.to)) loops.add(edge);
      else if (!done.has(edge.to)) visit(edge.to);
    }
    onPath.delete(key);
    done.add(key);
  };
  visit(start);
  for (const key of keys) if (!done.has(key)) visit(key);
  return loops;
}
