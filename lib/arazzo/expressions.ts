/**
 * Arazzo 1.0.1 runtime expressions (spec § Runtime Expressions): parsing, synth-time checks, evaluation,
 * and deep resolution of values that contain expressions.
 *
 * Used at synth time by the compiler and at run time by the step runner, so no Node imports here.
 */
import { applySelector, isSelectorObject, type SelectorObject } from './selector.ts';
import { JSONPointer, type JSONValue } from 'json-p3';
import { ArazzoExpressionError, clip } from './errors.ts';
import { memoizeParse } from './memo.ts';

export interface ExpressionContext {
  inputs: Record<string, unknown>;
  /** stepId -> that step's outputs */
  steps: Record<string, Record<string, unknown>>;
  /** workflow outputs ($outputs.x) */
  outputs?: Record<string, unknown>;
  /** The document's `$self`, resolved (Arazzo 1.1). */
  self?: string;
  url?: string;
  method?: string;
  statusCode?: number;
  request?: {
    headers: Record<string, string>;
    query?: Record<string, string>;
    path?: Record<string, string>;
    body?: unknown;
  };
  response?: { headers: Record<string, string>; body: unknown };
  /** `$workflows.<workflowId>.inputs|outputs`: this run's workflow and the workflows it has run. */
  workflows?: Record<string, { inputs: Record<string, unknown>; outputs: Record<string, unknown> }>;
  /** Arazzo 1.1: the message a receive step received (`$message.payload`, `$message.header.<name>`). */
  message?: { headers: Record<string, string>; payload: unknown };
}

/** A runtime expression taken apart. Names are split on `.` so `$inputs.a.b` can reach nested values. */
export type ParsedExpression =
  | { root: 'url' | 'method' | 'statusCode' }
  | { root: 'request' | 'response'; source: 'header' | 'query' | 'path'; name: string }
  | { root: 'request' | 'response'; source: 'body'; pointer?: string }
  | { root: 'inputs' | 'outputs'; path: string[]; pointer?: string }
  | { root: 'steps'; stepId: string; path: string[]; pointer?: string }
  /** Valid syntax this project does not evaluate (cross-workflow, source descriptions, components). */
  | { root: 'workflows' | 'sourceDescriptions' | 'components'; rest: string }
  /** Arazzo 1.1: the document's `$self` URI. */
  | { root: 'self' }
  /** Arazzo 1.1: the message a receive step received. */
  | { root: 'message'; source: 'payload'; pointer?: string }
  | { root: 'message'; source: 'header'; name: string };

type ParseResult = { expression: ParsedExpression } | { error: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** `name = *( CHAR )` in the ABNF is any ASCII; whitespace and braces are excluded so embedded forms stay unambiguous. */
const NAME = /^[^\s{}#]+$/;
/** RFC 6901: `~` must be followed by 0 or 1. */
const POINTER = /^(?:\/(?:[^~/]|~[01])*)*$/;

/** Parses one runtime expression (the whole string). Results are cached: documents repeat expressions. */
export const parseExpression: (text: string) => ParseResult = memoizeParse(parseUncached);

function parseUncached(text: string): ParseResult {
  if (!text.startsWith('$')) return { error: `"${text}" is not a runtime expression: it must start with "$"` };
  if (text === '$url') return { expression: { root: 'url' } };
  if (text === '$method') return { expression: { root: 'method' } };
  if (text === '$statusCode') return { expression: { root: 'statusCode' } };
  if (text === '$self') return { expression: { root: 'self' } };

  const dot = text.indexOf('.');
  const root = dot === -1 ? text.slice(1) : text.slice(1, dot);
  const rest = dot === -1 ? '' : text.slice(dot + 1);
  switch (root) {
    case 'request':
    case 'response':
      return parseMessageSource(text, root, rest);
    case 'inputs':
    case 'outputs': {
      const named = parseNamePath(text, rest);
      if ('error' in named) return named;
      return { expression: { root, path: named.path, pointer: named.pointer } };
    }
    case 'steps':
      return parseStepReference(text, rest);
    case 'message':
      return parseMessage(text, rest);
    case 'workflows':
    case 'sourceDescriptions':
    case 'components':
      if (rest === '') return { error: `"${text}" must be followed by ".<name>"` };
      return { expression: { root, rest } };
    default:
      return {
        error:
          `"${text}" is not a runtime expression: it must start with $url, $method, $statusCode, $request., ` +
          '$response., $inputs., $outputs., $steps., $workflows., $sourceDescriptions., $components., $message. or $self',
      };
  }
}

function parseMessageSource(text: string, root: 'request' | 'response', rest: string): ParseResult {
  if (rest === 'body') return { expression: { root, source: 'body' } };
  if (rest.startsWith('body#')) {
    const pointer = rest.slice('body#'.length);
    const problem = checkPointer(text, pointer);
    if (problem) return { error: problem };
    return { expression: { root, source: 'body', pointer } };
  }
  for (const source of ['header', 'query', 'path'] as const) {
    if (!rest.startsWith(`${source}.`)) continue;
    const name = rest.slice(source.length + 1);
    const valid = source === 'header' ? TOKEN.test(name) : NAME.test(name);
    if (!valid) return { error: `"${text}" needs a ${source} name after "$${root}.${source}."` };
    return { expression: { root, source, name } };
  }
  return {
    error: `"${text}": "$${root}." must be followed by header.<name>, query.<name>, path.<name>, body or body#/<json-pointer>`,
  };
}

/**
 * `$message.payload[#/pointer]` and `$message.header.<name>`. LENIENCY: `$message.payload.a.b` (the form of the
 * spec's own receive-step example) reads as `$message.payload#/a/b`.
 */
function parseMessage(text: string, rest: string): ParseResult {
  if (rest === 'payload') return { expression: { root: 'message', source: 'payload' } };
  if (rest.startsWith('payload#')) {
    const pointer = rest.slice('payload#'.length);
    const problem = checkPointer(text, pointer);
    if (problem) return { error: problem };
    return { expression: { root: 'message', source: 'payload', pointer } };
  }
  if (rest.startsWith('payload.')) {
    const names = rest.slice('payload.'.length).split('.');
    if (names.every((name) => /^[A-Za-z0-9_-]+$/.test(name))) {
      return { expression: { root: 'message', source: 'payload', pointer: names.map((name) => `/${name}`).join('') } };
    }
  }
  if (rest.startsWith('header.') && TOKEN.test(rest.slice('header.'.length))) {
    return { expression: { root: 'message', source: 'header', name: rest.slice('header.'.length) } };
  }
  return { error: `"${text}": "$message." must be followed by payload, payload#/<json-pointer> or header.<name>` };
}

function parseStepReference(text: string, rest: string): ParseResult {
  const hash = rest.indexOf('#');
  const names = hash === -1 ? rest : rest.slice(0, hash);
  const [stepId, field, ...path] = names.split('.');
  if (!stepId || field === undefined) {
    return { error: `"${text}" must name a step and an output: $steps.<stepId>.outputs.<name>` };
  }
  if (field !== 'outputs') {
    return { error: `"${text}": only step outputs can be read; write $steps.${stepId}.outputs.<name>` };
  }
  if (path.length === 0 && hash === -1) return { expression: { root: 'steps', stepId, path: [] } };
  if (path.length === 0) {
    const pointer = rest.slice(hash + 1);
    const problem = checkPointer(text, pointer);
    if (problem) return { error: problem };
    return { expression: { root: 'steps', stepId, path: [], pointer } };
  }
  const named = parseNamePath(text, rest.slice(stepId.length + '.outputs.'.length));
  if ('error' in named) return named;
  return { expression: { root: 'steps', stepId, path: named.path, pointer: named.pointer } };
}

function parseNamePath(text: string, rest: string): { path: string[]; pointer?: string } | { error: string } {
  const hash = rest.indexOf('#');
  const name = hash === -1 ? rest : rest.slice(0, hash);
  if (!NAME.test(name) || name.split('.').some((segment) => segment === '')) {
    return { error: `"${text}" needs a name after the "." (e.g. $inputs.username)` };
  }
  if (hash === -1) return { path: name.split('.') };
  const pointer = rest.slice(hash + 1);
  const problem = checkPointer(text, pointer);
  if (problem) return { error: problem };
  return { path: name.split('.'), pointer };
}

function checkPointer(text: string, pointer: string): string | undefined {
  if (POINTER.test(pointer)) return undefined;
  return (
    `"${text}": "${pointer}" is not a JSON Pointer (RFC 6901): it must be empty or start with "/", ` +
    'and "~" must be written ~0 and "/" inside a name ~1'
  );
}

/** Synth-time check of an expression's syntax and support; returns a message saying the fix, or undefined. */
export function checkExpression(expression: string): string | undefined {
  const parsed = parseExpression(expression.trim());
  if ('error' in parsed) return parsed.error;
  const e = parsed.expression;
  switch (e.root) {
    case 'workflows':
      return WORKFLOWS_REFERENCE.test(e.rest) ? undefined : `"${expression}" must be $workflows.<workflowId>.inputs.<name> or $workflows.<workflowId>.outputs.<name>`;
    case 'sourceDescriptions':
      return `"${expression}": $sourceDescriptions may only name a step's operation (operationId or operationPath), not a value`;
    case 'components':
      return `"${expression}": $components may only be used in a "reference" (Reusable Object), not as a value`;
    case 'response':
      if (e.source === 'query' || e.source === 'path') {
        return `"${expression}": a response has no ${e.source} parameters; use $request.${e.source}.<name>`;
      }
      return undefined;
    // Stryker disable next-line ConditionalExpression: an emptied default falls off the end of the function, which returns undefined too
    default:
      return undefined;
  }
}

/**
 * Evaluate one runtime expression. Unresolvable (missing input, missing pointer target, no response) →
 * undefined, never a throw. Throws ArazzoExpressionError only for syntax the spec does not allow.
 */
export function evaluateExpression(expression: string | SelectorObject, context: ExpressionContext): unknown {
  // An output may be a Selector Object (1.1): it selects from the value of its context expression.
  if (typeof expression !== 'string') return applySelector(expression, evaluateExpression(expression.context, context));
  const parsed = parseExpression(expression.trim());
  if ('error' in parsed) throw new ArazzoExpressionError(expression, parsed.error);
  return evaluateParsed(parsed.expression, context);
}

export function evaluateParsed(e: ParsedExpression, context: ExpressionContext): unknown {
  switch (e.root) {
    case 'url':
      return context.url;
    case 'method':
      return context.method;
    case 'statusCode':
      return context.statusCode;
    case 'self':
      return context.self;
    case 'request':
    case 'response': {
      const message: ExpressionContext['request'] = e.root === 'request' ? context.request : context.response;
      if (message === undefined) return undefined;
      if (e.source === 'body') return resolvePointer(message.body, e.pointer);
      if (e.source === 'header') return headerValue(message.headers, e.name);
      // A response has no query or path parameters (checkExpression refuses them): they read as undefined.
      const params = e.source === 'query' ? message.query : message.path;
      return params !== undefined && Object.hasOwn(params, e.name) ? params[e.name] : undefined;
    }
    case 'inputs':
      return resolvePointer(lookupDotted(context.inputs, e.path), e.pointer);
    case 'outputs':
      return resolvePointer(lookupDotted(context.outputs, e.path), e.pointer);
    case 'steps': {
      const outputs = Object.hasOwn(context.steps, e.stepId) ? context.steps[e.stepId] : undefined;
      return resolvePointer(lookupDotted(outputs, e.path), e.pointer);
    }
    case 'message': {
      if (context.message === undefined) return undefined;
      if (e.source === 'header') return headerValue(context.message.headers, e.name);
      return resolvePointer(context.message.payload, e.pointer);
    }
    case 'workflows': {
      // The named workflow's inputs or outputs, read as $inputs.<name> / $outputs.<name> would read them there.
      const match = WORKFLOWS_REFERENCE.exec(e.rest);
      const ran = match && context.workflows && Object.hasOwn(context.workflows, match[1]!) ? context.workflows[match[1]!] : undefined;
      if (!match || !ran) return undefined;
      return evaluateExpression(`$${match[2]}.${match[3]}`, { inputs: ran.inputs, steps: {}, outputs: ran.outputs });
    }
    // Stryker disable next-line ConditionalExpression: an emptied default falls off the end of the function, which returns undefined too
    default:
      return undefined;
  }
}

/** `<workflowId>.inputs|outputs.<name>[#pointer]`, what follows `$workflows.` */
export const WORKFLOWS_REFERENCE = /^([A-Za-z0-9_-]+)\.(inputs|outputs)\.(.+)$/s;

/** HTTP header names are case-insensitive (RFC 9110 § 5.1). */
function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * Follows `a.b.c` through nested objects. Output and input names may themselves contain dots, so at each
 * level the longest run of segments that is an actual key wins.
 */
function lookupDotted(value: unknown, path: string[]): unknown {
  if (path.length === 0) return value;
  if (!isPlainObject(value)) return undefined;
  for (let take = path.length; take >= 1; take--) {
    const key = path.slice(0, take).join('.');
    if (Object.hasOwn(value, key)) return lookupDotted(value[key], path.slice(take));
  }
  return undefined;
}

const compilePointer = memoizeParse((pointer: string) => new JSONPointer(pointer));

/** RFC 6901 resolution; a missing target (or no value at all) is undefined. The empty pointer is the value itself. */
export function resolvePointer(value: unknown, pointer: string | undefined): unknown {
  if (pointer === undefined) return value;
  const compiled = compilePointer(pointer);
  try {
    return compiled.resolve(value as JSONValue);
  } catch {
    // With no fallback (json-p3 reads UNDEFINED as none), a pointer that finds nothing, or meets no value or a
    // scalar on its way, throws: that is undefined, below.
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------
// Strings that contain expressions

/** A string split into literal text and expressions. */
export type TemplatePart = { text: string } | { expression: string; parsed: ParsedExpression };

/** `{$...}` as the spec embeds expressions. */
const EMBEDDED = /\{(\$[^{}]*)\}/g;
/**
 * LENIENCY: an expression written bare after other text (`Bearer $inputs.token`) is read as if it were
 * `Bearer {$inputs.token}`. Documents in the wild write this form, and the spec's own form-data example
 * ends with `scope=$inputs.scope}`. Only the roots that name run values qualify, the name stops at the first
 * character outside `[A-Za-z0-9_.-]` (a trailing `.` is read as punctuation), and a `#/pointer` stops at
 * whitespace, quotes, brackets or `,;&?`.
 */
const BARE =
  /(?<![A-Za-z0-9_$])\$(?:(?:inputs|outputs|steps|request|response)\.[A-Za-z0-9_.-]+(?:#(?:\/[^\s"'<>{}()[\],;&?]*)*)?|(?:statusCode|url|method|self)(?![A-Za-z0-9_]))/g;

/**
 * Splits a string into literal text and expressions: `{$...}` embedded (spec form) and, in the text between,
 * bare expressions (leniency, see BARE). Pieces that look like expressions but do not parse stay literal;
 * `checkValueExpressions` reports them at synth time.
 */
export function splitTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(EMBEDDED)) {
    const inner = match[1];
    const parsed = parseExpression(inner);
    if (!('expression' in parsed)) continue;
    // An empty slice (nothing between two expressions) splits into no parts.
    parts.push(...splitBare(text.slice(last, match.index)));
    parts.push({ expression: inner, parsed: parsed.expression });
    last = match.index + match[0].length;
  }
  parts.push(...splitBare(text.slice(last)));
  return parts;
}

function splitBare(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(BARE)) {
    let candidate = match[0];
    if (!candidate.includes('#')) candidate = candidate.replace(/\.+$/, '');
    const parsed = parseExpression(candidate);
    if (!('expression' in parsed)) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ expression: candidate, parsed: parsed.expression });
    last = match.index + candidate.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * The expression a whole string stands for, if it is one: exactly a runtime expression, or (so that a typed
 * value survives) exactly one `{$...}` with nothing around it.
 */
function wholeExpression(text: string): ParsedExpression | undefined {
  const trimmed = text.trim();
  // Stryker disable next-line ConditionalExpression,StringLiteral: the parse refuses text without a leading $ and the {$ branch needs one; this return keeps literal text out of the parse cache
  if (!trimmed.startsWith('$') && !trimmed.startsWith('{$')) return undefined;
  const exact = parseExpression(trimmed);
  if ('expression' in exact) return exact.expression;
  // The first `}` is the last character: one `{$...}` and nothing after it.
  if (trimmed.startsWith('{$') && trimmed.indexOf('}') === trimmed.length - 1) {
    const inner = parseExpression(trimmed.slice(1, -1));
    // Stryker disable next-line ConditionalExpression: a parse error has no expression, so undefined is returned either way
    if ('expression' in inner) return inner.expression;
  }
  return undefined;
}

/**
 * Deep-resolve a literal/expression value (parameter values, payloads, replacement values):
 *  - a string that is exactly one runtime expression (or exactly one `{$...}`) → its value, any JSON type;
 *  - a string with `{$...}` embedded → the string with each replaced (objects and arrays as JSON text);
 *  - LENIENCY: bare expressions after other text (`Bearer $inputs.token`) are embedded too (see BARE);
 *  - any unresolvable expression inside a string → the whole string is undefined;
 *  - objects: keys whose value resolves to undefined are dropped (an unset optional input is omitted, never
 *    null); arrays: undefined elements are dropped;
 *  - other literals unchanged.
 */
export function resolveValue(value: unknown, context: ExpressionContext, options: { selectors?: boolean } = {}): unknown {
  if (typeof value === 'string') return resolveString(value, context);
  // A Selector Object (1.1) selects from its context; in a 1.0 document the same object is a literal.
  if (options.selectors === true && isSelectorObject(value)) return evaluateExpression(value, context);
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, context, options)).filter((item) => item !== undefined);
  }
  if (isPlainObject(value)) {
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const itemValue = resolveValue(item, context, options);
      if (itemValue !== undefined) resolved[key] = itemValue;
    }
    return resolved;
  }
  return value;
}

/**
 * A string value, each embedded expression's text passed through `encode` (a query string percent-encodes
 * them, so an input holding `&` cannot add a parameter). A string that is one whole expression is not encoded.
 */
export function resolveEncoded(text: string, context: ExpressionContext, encode: (value: string) => string): unknown {
  return resolveString(text, context, encode);
}

function resolveString(text: string, context: ExpressionContext, encode: (value: string) => string = (value) => value): unknown {
  const whole = wholeExpression(text);
  if (whole !== undefined) return evaluateParsed(whole, context);
  // Stryker disable next-line ConditionalExpression,StringLiteral: text without a $ splits into itself alone, so this return only spares the scan
  if (!text.includes('$')) return text;
  const parts = splitTemplate(text);
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const partValue = evaluateParsed(part.parsed, context);
    if (partValue === undefined) return undefined;
    out += encode(typeof partValue === 'string' ? partValue : JSON.stringify(partValue));
  }
  return out;
}

/** Every runtime expression a value would evaluate (whole-string, embedded and bare), in document order. */
export function expressionsIn(value: unknown): string[] {
  const found: string[] = [];
  const walk = (item: unknown): void => {
    if (typeof item === 'string') {
      const trimmed = item.trim();
      if (wholeExpression(item) !== undefined) {
        found.push(trimmed.startsWith('{') ? trimmed.slice(1, -1) : trimmed);
      } else {
        for (const part of splitTemplate(item)) if ('expression' in part) found.push(part.expression);
      }
    } else if (Array.isArray(item)) {
      item.forEach(walk);
    } else if (isPlainObject(item)) {
      Object.values(item).forEach(walk);
    }
  };
  walk(value);
  return found;
}

/**
 * Synth-time: problems with the expressions in a value — unsupported expressions, and `{$...}` pieces or
 * whole strings starting with a known root that do not parse. Each message names the expression.
 */
export function checkValueExpressions(value: unknown): string[] {
  const problems: string[] = [];
  const walk = (item: unknown): void => {
    if (typeof item === 'string') {
      checkString(item, problems);
    } else if (Array.isArray(item)) {
      item.forEach(walk);
    } else if (isPlainObject(item)) {
      Object.values(item).forEach(walk);
    }
  };
  walk(value);
  return problems;
}

const KNOWN_ROOT = /^\$(?:url|method|statusCode|request|response|inputs|outputs|steps|workflows|sourceDescriptions|components|message|self)(?![A-Za-z0-9_])/;

/** A whole value such as `$input.x`, `$env.HOME` or `$step`: `$`, a letter, and no whitespace. */
const EXPRESSION_LIKE = /^\$[A-Za-z][A-Za-z0-9_]*(?:[.#[]\S*)?$/;

function checkString(text: string, problems: string[]): void {
  const trimmed = text.trim();
  if (KNOWN_ROOT.test(trimmed) && !/\s/.test(trimmed)) {
    const problem = checkExpression(trimmed);
    if (problem) problems.push(problem);
    return;
  }
  if (EXPRESSION_LIKE.test(trimmed)) {
    problems.push(notAnExpression(trimmed));
    return;
  }
  for (const match of text.matchAll(EMBEDDED)) {
    const problem = checkExpression(match[1]);
    if (problem) problems.push(problem);
  }
  for (const part of splitTemplate(text)) {
    if (!('expression' in part) || text.includes(`{${part.expression}}`)) continue;
    const problem = checkExpression(part.expression);
    if (problem) problems.push(problem);
  }
}

/**
 * Refusal of a whole value that reads like a misspelt runtime expression. Sent as text, `$input.x` would reach
 * the API as those eight characters; the author almost certainly meant a value.
 */
function notAnExpression(text: string): string {
  // Stryker disable next-line Regex: the text matched EXPRESSION_LIKE (starts with $ and a letter), so an unanchored search finds the same match
  const root = /^\$([A-Za-z][A-Za-z0-9_]*)/.exec(text)![1];
  const known = ['url', 'method', 'statusCode', 'request', 'response', 'inputs', 'outputs', 'steps', 'workflows', 'sourceDescriptions', 'components', 'message', 'self'];
  const near = known.find((k) => k === `${root}s` || k.toLowerCase() === root.toLowerCase() || `${k}s` === root);
  return (
    `"${clip(text, 60)}" looks like a runtime expression but is not one` +
    (near ? ` (did you mean $${near}${text.slice(root.length + 1)}?)` : '') +
    ': expressions start with $url, $method, $statusCode, $request., $response., $inputs., $outputs., $steps., ' +
    '$workflows., $sourceDescriptions., $components., $message. or $self; to send such text as it is, pass it as a workflow input'
  );
}
