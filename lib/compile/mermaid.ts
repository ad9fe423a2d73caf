/**
 * Renders an Amazon States Language definition as a Mermaid `flowchart TD`, so a compiled state
 * machine can be reviewed in a pull request or a README the way the Step Functions console draws it.
 *
 * Knows ASL only. Edges that close a loop (to a state still on the depth-first path from StartAt)
 * are drawn dotted, so polling loops stand out from the forward flow.
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
}

export interface MermaidAslDefinition {
  StartAt: string;
  States: Record<string, MermaidAslState>;
}

interface Edge {
  from: string;
  to: string;
  label?: string;
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
  const ids = nodeIds(names);
  const edges = names.flatMap((name) => outgoingEdges(name, definition.States[name]!));
  for (const edge of edges) {
    if (!ids.has(edge.to)) throw new Error(`aslToMermaid: state "${edge.from}" goes to "${edge.to}", which is not in States; fix its Next, Default, Choices or Catch`);
  }
  const loopEdges = backEdges(definition, edges);

  // Unlabelled dots (UML initial and final nodes), so they cannot be mistaken for states named "Start" or "End".
  const lines = ['flowchart TD', `  ${START_ID}((" "))`];
  for (const name of names) lines.push(`  ${ids.get(name)}${shape(definition.States[name]!.Type, label(name))}`);
  const ends = names.filter((name) => definition.States[name]!.End === true);
  if (ends.length > 0) lines.push(`  ${END_ID}(((" ")))`);

  lines.push(`  ${START_ID} --> ${ids.get(definition.StartAt)}`);
  for (const edge of edges) {
    const arrow = loopEdges.has(edge) ? '-.->' : '-->';
    const text = edge.label === undefined ? '' : `|"${label(edge.label)}"|`;
    lines.push(`  ${ids.get(edge.from)} ${arrow}${text} ${ids.get(edge.to)}`);
  }
  for (const name of ends) lines.push(`  ${ids.get(name)} --> ${END_ID}`);

  const ofType = (type: string) => names.filter((name) => definition.States[name]!.Type === type).map((name) => ids.get(name));
  lines.push('  classDef succeed fill:#d7f0dc,stroke:#2e7d32', '  classDef fail fill:#f9d6d5,stroke:#c62828', '  classDef marker fill:#333333,stroke:#333333');
  const succeeds = ofType('Succeed');
  const fails = ofType('Fail');
  if (succeeds.length > 0) lines.push(`  class ${succeeds.join(',')} succeed`);
  if (fails.length > 0) lines.push(`  class ${fails.join(',')} fail`);
  lines.push(`  class ${ends.length > 0 ? `${START_ID},${END_ID}` : START_ID} marker`);
  return `${lines.join('\n')}\n`;
}

/** Mermaid ids allow letters, digits and `_`; the prefix keeps ids clear of keywords such as `end`. */
function nodeIds(names: string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set([START_ID, END_ID]);
  for (const name of names) {
    const base = `s_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    ids.set(name, id);
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

function outgoingEdges(name: string, state: MermaidAslState): Edge[] {
  const edges: Edge[] = [];
  for (const rule of state.Choices ?? []) {
    if (rule.Next !== undefined) edges.push({ from: name, to: rule.Next, label: rule.Comment ?? describeRule(rule) });
  }
  if (state.Default !== undefined) edges.push({ from: name, to: state.Default, label: 'default' });
  if (state.Next !== undefined) edges.push({ from: name, to: state.Next });
  for (const catcher of state.Catch ?? []) edges.push({ from: name, to: catcher.Next, label: catcher.ErrorEquals.join(', ') });
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

/** Edges to a state on the current depth-first path from StartAt: the ones that close a loop. */
function backEdges(definition: MermaidAslDefinition, edges: Edge[]): Set<Edge> {
  const outgoing = new Map<string, Edge[]>();
  for (const edge of edges) outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge]);
  const loops = new Set<Edge>();
  const done = new Set<string>();
  const onPath = new Set<string>();
  const visit = (name: string): void => {
    onPath.add(name);
    for (const edge of outgoing.get(name) ?? []) {
      if (onPath.has(edge.to)) loops.add(edge);
      else if (!done.has(edge.to)) visit(edge.to);
    }
    onPath.delete(name);
    done.add(name);
  };
  visit(definition.StartAt);
  for (const name of Object.keys(definition.States)) if (!done.has(name)) visit(name);
  return loops;
}
