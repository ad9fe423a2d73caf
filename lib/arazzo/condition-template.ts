/**
 * Runtime expressions embedded in regex, jsonpath and xpath conditions (Arazzo 1.1 § Runtime Expressions in
 * Conditions): each `{$…}` is evaluated, converted to a string (objects and arrays as JSON) and substituted
 * before the condition is evaluated. A 1.0 document that writes `{$…}` in such a condition can only mean the
 * same, so both versions are read this way.
 */
import { evaluateParsed, parseExpression, type ExpressionContext, type ParsedExpression } from './expressions.ts';

const EMBEDDED = /\{(\$[^{}]*)\}/g;

/** The embedded expressions of a condition, in order (only those that parse; others stay literal text). */
export function embeddedExpressions(condition: string): Array<{ text: string; parsed: ParsedExpression }> {
  const found: Array<{ text: string; parsed: ParsedExpression }> = [];
  for (const match of condition.matchAll(EMBEDDED)) {
    const parsed = parseExpression(match[1]);
    if ('expression' in parsed) found.push({ text: match[1], parsed: parsed.expression });
  }
  return found;
}

/** The condition with each embedded expression replaced by `0`: what the synth-time syntax check reads. */
export function conditionForSyntaxCheck(condition: string): string {
  return condition.replace(EMBEDDED, (whole, inner: string) => ('expression' in parseExpression(inner) ? '0' : whole));
}

/** The condition with its embedded expressions substituted; undefined when one has no value (the condition fails). */
export function substituteEmbedded(condition: string, context: ExpressionContext): string | undefined {
  let missing = false;
  const text = condition.replace(EMBEDDED, (whole, inner: string) => {
    const parsed = parseExpression(inner);
    if (!('expression' in parsed)) return whole;
    const value = evaluateParsed(parsed.expression, context);
    if (value === undefined) {
      missing = true;
      return whole;
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  return missing ? undefined : text;
}
