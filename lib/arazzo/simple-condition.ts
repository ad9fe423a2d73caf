/**
 * The Arazzo 1.0.1 "simple" condition language (spec § Criterion Object: Literals, Operators):
 * literals (numbers, 'single-quoted' strings with '' for a quote, true, false, null), runtime expressions,
 * `< <= > >= == != ! && || ()`, `[]` index and `.` property.
 *
 * The spec gives no grammar or precedence, so this follows the C family: `!` binds tightest, then
 * comparisons (not chained), then `&&`, then `||`.
 *
 * Semantics:
 *  - String comparisons are case-insensitive, because the spec says they MUST be ("String comparisons
 *    MUST be case insensitive"); ordering compares the lower-cased strings by code unit.
 *  - "Loose comparisons": a number compared with a numeric string compares as numbers (headers are strings),
 *    a boolean compared with 'true'/'false' compares as booleans; otherwise values of different types are
 *    unequal and unordered. Arrays and objects compare by deep equality.
 *  - An unresolvable operand is undefined, and every comparison with undefined is false (including `!=`).
 *  - Truth: only the boolean `true` is true; `!x` is true whenever x is not `true`.
 *
 * No Node imports: the step runner uses this at run time.
 */
import { evaluateParsed, parseExpression, type ExpressionContext, type ParsedExpression } from './expressions.ts';
import { clip } from './errors.ts';

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type SimpleNode =
  | { kind: 'literal'; value: null | boolean | number | string }
  | { kind: 'expression'; parsed: ParsedExpression }
  | { kind: 'index'; target: SimpleNode; index: number | string }
  | { kind: 'property'; target: SimpleNode; name: string }
  | { kind: 'not'; operand: SimpleNode }
  | { kind: 'and' | 'or'; left: SimpleNode; right: SimpleNode }
  | { kind: 'compare'; operator: ComparisonOperator; left: SimpleNode; right: SimpleNode };

export interface SimpleCondition {
  root: SimpleNode;
  /** The runtime expressions the condition reads, for synth-time checks. */
  expressions: string[];
}

type Token =
  | { type: 'op'; value: string; at: number }
  | { type: 'number'; value: number; at: number }
  | { type: 'string'; value: string; at: number }
  | { type: 'word'; value: string; at: number }
  | { type: 'expression'; value: string; at: number }
  | { type: 'end'; at: number };

class ConditionSyntaxError extends Error {}

/**
 * Bounds on what a document may ask of the parser and evaluator, both recursive: without them a condition of
 * 20,000 `(` or `!` overflows the stack (RangeError) instead of being refused with a message. Real conditions
 * are a few dozen characters and a few levels deep.
 */
export const MAX_CONDITION_LENGTH = 4096;
export const MAX_CONDITION_NESTING = 64;

/** Characters that end a runtime expression inside a condition (operators, grouping, quotes, whitespace). */
const EXPRESSION_END = /[\s()[\]=!<>&|',]/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_-]*/y;
const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '$') {
      let end = i + 1;
      // Stryker disable next-line EqualityOperator: one step past the end reads text[end] as "undefined", which has no end character, and the slice is the same
      while (end < text.length && !EXPRESSION_END.test(text[end])) end++;
      tokens.push({ type: 'expression', value: text.slice(i, end), at: i });
      i = end;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        // Stryker disable next-line EqualityOperator: at j === text.length the loop reads no quote, steps on, and throws the same error one step later
        if (j >= text.length) throw new ConditionSyntaxError(`unterminated string starting at position ${i + 1}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j++];
      }
      tokens.push({ type: 'string', value, at: i });
      i = j + 1;
      continue;
    }
    if (c === '"') {
      throw new ConditionSyntaxError(`strings use single quotes ('like this'), not double quotes (position ${i + 1})`);
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number && (c === '-' || /\d/.test(c))) {
      tokens.push({ type: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      tokens.push({ type: 'word', value: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (!op) throw new ConditionSyntaxError(`unexpected "${c}" at position ${i + 1}`);
    tokens.push({ type: 'op', value: op, at: i });
    i += op.length;
  }
  tokens.push({ type: 'end', at: text.length });
  return tokens;
}

class Parser {
  private position = 0;
  private depth = 0;
  readonly expressions: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): SimpleNode {
    const node = this.or();
    const next = this.peek();
    if (next.type !== 'end') throw this.unexpected(next);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private isOp(value: string): boolean {
    const token = this.peek();
    return token.type === 'op' && token.value === value;
  }

  private take(): Token {
    return this.tokens[this.position++];
  }

  private unexpected(token: Token): ConditionSyntaxError {
    if (token.type === 'end') return new ConditionSyntaxError('the condition ends too early');
    return new ConditionSyntaxError(`unexpected ${JSON.stringify(String(token.value))} at position ${token.at + 1}`);
  }

  private or(): SimpleNode {
    let left = this.and();
    while (this.isOp('||')) {
      this.take();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): SimpleNode {
    let left = this.comparison();
    while (this.isOp('&&')) {
      this.take();
      left = { kind: 'and', left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): SimpleNode {
    const left = this.unary();
    const token = this.peek();
    if (token.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(token.value)) {
      this.take();
      const right = this.unary();
      const after = this.peek();
      if (after.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(after.value)) {
        throw new ConditionSyntaxError(
          `comparisons cannot be chained (position ${after.at + 1}); combine them with && or ||`,
        );
      }
      return { kind: 'compare', operator: token.value as ComparisonOperator, left, right };
    }
    return left;
  }

  private unary(): SimpleNode {
    if (this.isOp('!')) {
      const token = this.take();
      return { kind: 'not', operand: this.nested(token, () => this.unary()) };
    }
    return this.postfix(this.primary());
  }

  /** Parses a `(` group or a `!` operand one level deeper, refusing nesting past MAX_CONDITION_NESTING. */
  private nested(token: Token, parse: () => SimpleNode): SimpleNode {
    if (this.depth >= MAX_CONDITION_NESTING) {
      throw new ConditionSyntaxError(
        `"(" and "!" nest more than ${MAX_CONDITION_NESTING} deep at position ${token.at + 1}; split the condition into several criteria (a step's criteria must all hold)`,
      );
    }
    this.depth++;
    const node = parse();
    this.depth--;
    return node;
  }

  private postfix(target: SimpleNode): SimpleNode {
    let node = target;
    for (;;) {
      if (this.isOp('[')) {
        this.take();
        const index = this.take();
        if (index.type !== 'number' && index.type !== 'string') {
          throw new ConditionSyntaxError(`an index must be a number or a 'quoted' name (position ${index.at + 1})`);
        }
        if (!this.isOp(']')) throw this.unexpected(this.peek());
        this.take();
        node = { kind: 'index', target: node, index: index.value };
      } else if (this.isOp('.')) {
        this.take();
        const name = this.take();
        if (name.type !== 'word') throw new ConditionSyntaxError(`a property name must follow "." (position ${name.at + 1})`);
        node = { kind: 'property', target: node, name: name.value };
      } else {
        return node;
      }
    }
  }

  private primary(): SimpleNode {
    const token = this.take();
    switch (token.type) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'word':
        if (token.value === 'true') return { kind: 'literal', value: true };
        if (token.value === 'false') return { kind: 'literal', value: false };
        if (token.value === 'null') return { kind: 'literal', value: null };
        throw new ConditionSyntaxError(
          `unknown word "${token.value}" at position ${token.at + 1}; strings need single quotes ('${token.value}')`,
        );
      case 'expression':
        return this.expression(token.value, token.at);
      case 'op':
        if (token.value === '(') {
          const inner = this.nested(token, () => this.or());
          if (!this.isOp(')')) throw new ConditionSyntaxError(`missing ")" for the "(" at position ${token.at + 1}`);
          this.take();
          return inner;
        }
        throw this.unexpected(token);
      case 'end':
        throw this.unexpected(token);
    }
  }

  /**
   * A runtime expression operand. `$response.body.items` is not an expression in the ABNF, but `.` is the
   * property operator here, so the longest prefix that parses is the expression and the rest properties.
   */
  private expression(text: string, at: number): SimpleNode {
    // After a `#` comes a JSON Pointer, in which `.` is an ordinary character: such an expression is read whole.
    const segments = text.includes('#') ? [text] : text.split('.');
    for (let take = segments.length; take >= 1; take--) {
      const expression = segments.slice(0, take).join('.');
      const parsed = parseExpression(expression);
      if (!('expression' in parsed)) continue;
      const names = segments.slice(take);
      if (names.some((name) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name))) break;
      this.expressions.push(expression);
      let node: SimpleNode = { kind: 'expression', parsed: parsed.expression };
      for (const name of names) node = { kind: 'property', target: node, name };
      return node;
    }
    // The whole text was tried first (take = segments.length), and did not parse.
    const whole = parseExpression(text) as { error: string };
    throw new ConditionSyntaxError(`${whole.error} (position ${at + 1})`);
  }
}

/** Parses a simple condition; a syntax problem comes back as a message saying where and what to write. */
export function parseSimpleCondition(condition: string): SimpleCondition | { error: string } {
  try {
    if (condition.length > MAX_CONDITION_LENGTH) {
      throw new ConditionSyntaxError(
        `it is ${condition.length} characters long, above the limit of ${MAX_CONDITION_LENGTH}; split it into several criteria (a step's criteria must all hold)`,
      );
    }
    const parser = new Parser(tokenize(condition));
    const root = parser.parse();
    return { root, expressions: parser.expressions };
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: the tokenizer and parser throw only ConditionSyntaxError (length and nesting are capped; 200,000 random conditions found no other)
    if (error instanceof ConditionSyntaxError) {
      // The reason comes after the quoted condition, so a long condition is clipped to keep the reason in view.
      return { error: `"${clip(condition, 80)}" is not a valid simple condition: ${error.message}` };
    }
    throw error;
  }
}

export function evaluateSimpleCondition(condition: SimpleCondition, context: ExpressionContext): boolean {
  return evaluateNode(condition.root, context) === true;
}

function evaluateNode(node: SimpleNode, context: ExpressionContext): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'expression':
      return evaluateParsed(node.parsed, context);
    case 'index': {
      const target = evaluateNode(node.target, context);
      if (typeof node.index === 'number') {
        return Array.isArray(target) && Number.isInteger(node.index) ? target[node.index] : undefined;
      }
      return propertyOf(target, node.index);
    }
    case 'property':
      return propertyOf(evaluateNode(node.target, context), node.name);
    case 'not':
      return evaluateNode(node.operand, context) !== true;
    case 'and':
      return evaluateNode(node.left, context) === true && evaluateNode(node.right, context) === true;
    case 'or':
      return evaluateNode(node.left, context) === true || evaluateNode(node.right, context) === true;
    case 'compare':
      return compare(node.operator, evaluateNode(node.left, context), evaluateNode(node.right, context));
  }
}

function propertyOf(target: unknown, name: string): unknown {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return undefined;
  return Object.hasOwn(target, name) ? (target as Record<string, unknown>)[name] : undefined;
}

function compare(operator: ComparisonOperator, left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) return false;
  if (operator === '==') return looseEqual(left, right);
  if (operator === '!=') return !looseEqual(left, right);
  const order = looseOrder(left, right);
  // Stryker disable next-line ConditionalExpression: every comparison of undefined with 0 is false, as is this return
  if (order === undefined) return false;
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function numericString(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** Brings a number/numeric-string or boolean/'true'-'false' pair to one type; other pairs are returned as is. */
function coerce(left: unknown, right: unknown): [unknown, unknown] {
  if (typeof left === 'number' && typeof right === 'string') return [left, numericString(right) ?? right];
  if (typeof left === 'string' && typeof right === 'number') return [numericString(left) ?? left, right];
  if (typeof left === 'boolean' && typeof right === 'string') return [String(left), right];
  if (typeof left === 'string' && typeof right === 'boolean') return [left, String(right)];
  return [left, right];
}

function looseEqual(a: unknown, b: unknown): boolean {
  const [left, right] = coerce(a, b);
  if (typeof left === 'string' && typeof right === 'string') return left.toLowerCase() === right.toLowerCase();
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, i) => looseEqual(item, right[i]))
    );
  }
  if (typeof left === 'object' && left !== null && typeof right === 'object' && right !== null) {
    const leftKeys = Object.keys(left);
    const rightRecord = right as Record<string, unknown>;
    return (
      leftKeys.length === Object.keys(right).length &&
      leftKeys.every(
        (key) => Object.hasOwn(right, key) && looseEqual((left as Record<string, unknown>)[key], rightRecord[key]),
      )
    );
  }
  return left === right;
}

function looseOrder(a: unknown, b: unknown): number | undefined {
  const [left, right] = coerce(a, b);
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'string' && typeof right === 'string') {
    const l = left.toLowerCase();
    const r = right.toLowerCase();
    return l < r ? -1 : l > r ? 1 : 0;
  }
  return undefined;
}
