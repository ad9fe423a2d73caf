/**
 * Arazzo Criterion Objects: simple, regex, jsonpath and xpath conditions (xpath over XML bodies, see xml.ts).
 *
 * Used at synth time (checkCriterion) and at run time (evaluateCriterion), so no Node imports here.
 * A criterion that checkCriterion refuses throws ArazzoExpressionError when evaluated: a condition that
 * silently reads as false would turn a poll loop into a one-shot and hide the mistake.
 */
import { jsonpath, type JSONValue, type JSONPathQuery } from 'json-p3';
import { ArazzoExpressionError } from './errors.ts';
import { checkExpression, evaluateExpression, type ExpressionContext } from './expressions.ts';
import { parseSimpleCondition, evaluateSimpleCondition } from './simple-condition.ts';
import type { Criterion } from './types.ts';
import { compileLinearRegex } from './linear-regex.ts';
import { memoizeParse } from './memo.ts';
import { conditionForSyntaxCheck, embeddedExpressions, substituteEmbedded } from './condition-template.ts';
import { checkXPath, xpathConditionHolds } from './xml.ts';

export type CriterionKind = 'simple' | 'regex' | 'jsonpath' | 'xpath';

/** A problem with one field of a criterion, so the caller can point at `… › criteria[0] › condition`. */
export interface CriterionProblem {
  field: 'condition' | 'context' | 'type';
  message: string;
}

/** The JSONPath versions the spec names; both are evaluated with RFC 9535 semantics like plain `jsonpath`. */
const JSONPATH_VERSIONS = ['rfc9535', 'draft-goessner-dispatch-jsonpath-00'];
/** The XPath versions the spec names; each is evaluated as XPath 1.0 (see xml.ts), the common subset. */
const XPATH_VERSIONS = ['xpath-31', 'xpath-30', 'xpath-20', 'xpath-10'];

export function criterionKind(criterion: Criterion): CriterionKind | CriterionProblem {
  const type = criterion.type;
  if (type === undefined || type === 'simple') return 'simple';
  if (type === 'regex' || type === 'jsonpath' || type === 'xpath') return type;
  if (typeof type === 'object' && type !== null) {
    const expressionType = type as { type?: unknown; version?: unknown };
    const versions = expressionType.type === 'jsonpath' ? JSONPATH_VERSIONS : expressionType.type === 'xpath' ? XPATH_VERSIONS : undefined;
    if (versions === undefined) {
      return { field: 'type', message: `type.type must be jsonpath or xpath, not ${JSON.stringify(expressionType.type)}` };
    }
    if (versions.includes(expressionType.version as string)) return expressionType.type as 'jsonpath' | 'xpath';
    return {
      field: 'type',
      message: `${String(expressionType.type)} version ${JSON.stringify(expressionType.version)} is not one the spec names; use one of ${versions.join(', ')}, or simply type: ${String(expressionType.type)}`,
    };
  }
  return { field: 'type', message: `type must be simple, regex, jsonpath or xpath, not ${JSON.stringify(type)}` };
}

// ---------------------------------------------------------------------------------------------------------
// jsonpath

/**
 * How a jsonpath condition is evaluated against the context value V:
 *  - filter: a logical expression evaluated once with both `$` and `@` bound to V; true when it holds.
 *    Used for `$[?<expr>]` (the spec's `$[?count(@.pets) > 0]`, which reads as "V satisfies expr") and for a
 *    bare RFC 9535 logical expression such as `$.status == 'done' || $.status == 'failed'`. Evaluating the
 *    expression directly, rather than as a query over V's children, keeps it correct when V is `{}`, `[]`
 *    or a scalar.
 *  - wrappedQuery: a longer query starting `$[?`, applied to `[V]` so `@` in the first filter is V.
 *  - query: any other RFC 9535 query, applied to V; true when it selects at least one node.
 */
type JsonPathPlan =
  | { form: 'filter'; expression: jsonpath.expressions.LogicalExpression }
  | { form: 'wrappedQuery'; query: JSONPathQuery }
  | { form: 'query'; query: JSONPathQuery };

const jsonPathPlan = memoizeParse(planJsonPath);

function planJsonPath(condition: string): JsonPathPlan | { error: string } {
  const text = condition.trim();
  if (text.startsWith('$[?')) {
    try {
      const query = jsonpath.compile(text);
      const filter = singleFilter(query);
      return filter ? { form: 'filter', expression: filter } : { form: 'wrappedQuery', query };
    } catch (error) {
      return { error: jsonPathRefusal(condition, error) };
    }
  }
  // Stryker disable next-line BlockStatement: a query Q read as the filter $[?Q] is an existence test of Q at the root, true exactly when Q selects a node
  try {
    return { form: 'query', query: jsonpath.compile(text) };
  } catch {
    // Not a query; try it as a logical expression below.
  }
  try {
    const filter = singleFilter(jsonpath.compile(`$[?${text}]`));
    if (filter) return { form: 'filter', expression: filter };
    return { error: jsonPathRefusal(condition) };
  } catch (error) {
    return { error: jsonPathRefusal(condition, error) };
  }
}

/** The logical expression of a query that is exactly `$[?<expr>]`, or undefined. */
function singleFilter(query: JSONPathQuery): jsonpath.expressions.LogicalExpression | undefined {
  if (query.segments.length !== 1) return undefined;
  // Callers only pass queries whose text starts `$[?`, so a single segment is a child segment.
  const segment = query.segments[0];
  if (segment.selectors.length !== 1) return undefined;
  const selector = segment.selectors[0];
  return selector instanceof jsonpath.selectors.FilterSelector ? selector.expression : undefined;
}

function jsonPathRefusal(condition: string, error?: unknown): string {
  const detail = error instanceof Error ? ` (${error.message})` : '';
  return (
    `"${condition}" is not JSONPath this compiler can evaluate${detail}. Write an RFC 9535 query such as ` +
    `$[?@.status == 'done'] (true when it selects something), or a filter expression over the context ` +
    `such as $.status == 'done' || $.status == 'failed'`
  );
}

function evaluateJsonPath(condition: string, value: unknown): boolean {
  const plan = jsonPathPlan(condition);
  if ('error' in plan) throw new ArazzoExpressionError(condition, plan.error);
  if (value === undefined) return false;
  const json = value as JSONValue;
  switch (plan.form) {
    case 'filter':
      return plan.expression.evaluate({
        environment: jsonpath.DEFAULT_ENVIRONMENT,
        currentValue: json,
        rootValue: json,
      });
    case 'wrappedQuery':
      return !plan.query.query([json]).empty();
    case 'query':
      return !plan.query.query(json).empty();
  }
}

// ---------------------------------------------------------------------------------------------------------
// regex

/**
 * ECMA-262 syntax, no flags (the spec names no flags and a pattern has no way to state them), run on the
 * linear-time engine: a condition cannot hang a poll, whatever the response holds.
 */
function evaluateRegex(condition: string, value: unknown): boolean {
  const regex = compileLinearRegex(condition);
  if ('error' in regex) throw new ArazzoExpressionError(condition, regex.error);
  if (typeof value === 'string') return regex.test(value);
  if (typeof value === 'number' || typeof value === 'boolean') return regex.test(String(value));
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// simple

const simpleCondition = memoizeParse(parseSimpleCondition);

// ---------------------------------------------------------------------------------------------------------

/** Synth-time: the first problem with this criterion, naming the field, or undefined. */
export function checkCriterionField(criterion: Criterion): CriterionProblem | undefined {
  if (typeof criterion !== 'object' || criterion === null) {
    return { field: 'condition', message: 'a criterion must be an object with a condition' };
  }
  if (typeof criterion.condition !== 'string' || criterion.condition.trim() === '') {
    return { field: 'condition', message: 'condition is required and must be a non-empty string' };
  }
  const kind = criterionKind(criterion);
  if (typeof kind === 'object') return kind;
  if (criterion.context !== undefined) {
    if (typeof criterion.context !== 'string') {
      return { field: 'context', message: 'context must be a runtime expression such as $response.body' };
    }
    const problem = checkExpression(criterion.context);
    if (problem) return { field: 'context', message: problem };
  }
  if (kind === 'simple') return simpleConditionProblem(criterion.condition);
  if (criterion.context === undefined) {
    return {
      field: 'context',
      message: `a ${kind} criterion needs a context (the value the condition applies to), e.g. context: ${kind === 'regex' ? '$statusCode' : '$response.body'}`,
    };
  }
  // Only a regex, jsonpath or xpath condition embeds {$…} expressions; in a simple one, text in quotes is text.
  for (const embedded of embeddedExpressions(criterion.condition)) {
    const problem = checkExpression(embedded.text);
    if (problem) return { field: 'condition', message: problem };
  }
  const condition = conditionForSyntaxCheck(criterion.condition);
  switch (kind) {
    case 'regex': {
      const regex = compileLinearRegex(condition);
      return 'error' in regex ? { field: 'condition', message: regex.error } : undefined;
    }
    case 'jsonpath': {
      const plan = jsonPathPlan(condition);
      return 'error' in plan ? { field: 'condition', message: plan.error } : undefined;
    }
    case 'xpath': {
      const problem = checkXPath(condition);
      return problem === undefined ? undefined : { field: 'condition', message: problem };
    }
  }
}

function simpleConditionProblem(condition: string): CriterionProblem | undefined {
  const parsed = simpleCondition(condition);
  if ('error' in parsed) return { field: 'condition', message: parsed.error };
  for (const expression of parsed.expressions) {
    const problem = checkExpression(expression);
    if (problem) return { field: 'condition', message: problem };
  }
  return undefined;
}

/**
 * Synth-time: why this criterion cannot be compiled (an XPath 2.0+ expression, a jsonpath condition of none of the accepted
 * forms, bad regex, bad simple syntax, missing context where required) or undefined.
 */
export function checkCriterion(criterion: Criterion): string | undefined {
  const problem = checkCriterionField(criterion);
  return problem ? `${problem.field}: ${problem.message}` : undefined;
}

export function evaluateCriterion(criterion: Criterion, context: ExpressionContext): boolean {
  const kind = criterionKind(criterion);
  if (typeof kind === 'object') throw new ArazzoExpressionError(criterion.condition, kind.message);
  switch (kind) {
    case 'simple': {
      const parsed = simpleCondition(criterion.condition);
      if ('error' in parsed) throw new ArazzoExpressionError(criterion.condition, parsed.error);
      return evaluateSimpleCondition(parsed, context);
    }
    default: {
      // Embedded {$…} are substituted first; one without a value fails the condition.
      const condition = substituteEmbedded(criterion.condition, context);
      if (condition === undefined) return false;
      const value = contextValue(criterion, kind, context);
      if (kind === 'regex') return evaluateRegex(condition, value);
      if (kind === 'jsonpath') return evaluateJsonPath(condition, value);
      return xpathConditionHolds(condition, value);
    }
  }
}

function contextValue(criterion: Criterion, kind: CriterionKind, context: ExpressionContext): unknown {
  if (criterion.context === undefined) {
    throw new ArazzoExpressionError(criterion.condition, `a ${kind} criterion needs a context, e.g. $response.body`);
  }
  return evaluateExpression(criterion.context, context);
}

/** All must hold; empty or undefined → true. */
export function evaluateCriteria(criteria: Criterion[] | undefined, context: ExpressionContext): boolean {
  if (criteria === undefined) return true;
  return criteria.every((criterion) => evaluateCriterion(criterion, context));
}
