/**
 * Selector Objects (Arazzo 1.1): `{ context, selector, type }` selects part of structured data, where a value,
 * an output or a replacement value may be one. `context` is a runtime expression; `selector` is read as
 * `type` says:
 *  - jsonpath (RFC 9535, json-p3; the goessner version is read as RFC 9535): one node gives its value, several
 *    a list of their values, none nothing;
 *  - jsonpointer (RFC 6901): the value at the pointer, or nothing;
 *  - xpath (evaluated as XPath 1.0 over XML text, see xml.ts): one node's text, several as a list.
 * A selection that finds nothing is unset, like an expression whose pointer finds nothing (null in outputs,
 * left out of requests). In a 1.0 document the same object is a literal, so a plan marks the steps whose
 * values hold Selector Objects (StepPlan.selectors). Used at synth time and by the step runner.
 */
import { jsonpath, jsonpointer, type JSONValue } from 'json-p3';
import type { CriterionExpressionType } from './types.ts';
import { checkXPath, selectXPath } from './xml.ts';

export interface SelectorObject {
  context: string;
  selector: string;
  type: string | CriterionExpressionType;
}

type SelectorKind = 'jsonpath' | 'jsonpointer' | 'xpath';

const VERSIONS: Record<SelectorKind, string[]> = {
  jsonpath: ['rfc9535', 'draft-goessner-dispatch-jsonpath-00'],
  jsonpointer: ['rfc6901'],
  xpath: ['xpath-31', 'xpath-30', 'xpath-20', 'xpath-10'],
};

/** An object with `context` and `selector` and no other field but `type` (and `x-` extensions). */
export function isSelectorObject(value: unknown): value is SelectorObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value).filter((key) => !key.startsWith('x-'));
  return keys.includes('context') && keys.includes('selector') && keys.every((key) => ['context', 'selector', 'type'].includes(key));
}

/** Whether a value holds a Selector Object anywhere. */
export function containsSelector(value: unknown): boolean {
  if (isSelectorObject(value)) return true;
  // An array's values are its entries.
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsSelector);
  return false;
}

function kindOf(type: SelectorObject['type'] | undefined): SelectorKind | { field: 'type'; message: string } {
  const name = typeof type === 'object' && type !== null ? type.type : type;
  if (name !== 'jsonpath' && name !== 'jsonpointer' && name !== 'xpath') {
    return { field: 'type', message: `must be jsonpath, jsonpointer or xpath (or an Expression Type Object), not ${JSON.stringify(name ?? null)}` };
  }
  // A type named by a string has no version: reading one off the string gives undefined.
  const version = (type as { version?: string }).version;
  if (version !== undefined && !VERSIONS[name].includes(version)) {
    return { field: 'type', message: `version must be ${VERSIONS[name].join(', ')} for ${name}, not ${JSON.stringify(version)}` };
  }
  return name;
}

/** Synth time: what is wrong with a Selector Object's type or selector (its context is checked as an expression). */
export function checkSelector(selector: SelectorObject): { field: 'type' | 'selector'; message: string } | undefined {
  const kind = kindOf(selector.type);
  if (typeof kind === 'object') return kind;
  if (typeof selector.selector !== 'string') return { field: 'selector', message: 'must be a string' };
  if (kind === 'xpath') {
    const problem = checkXPath(selector.selector);
    return problem === undefined ? undefined : { field: 'selector', message: problem };
  }
  try {
    if (kind === 'jsonpath') jsonpath.compile(selector.selector);
    else new jsonpointer.JSONPointer(selector.selector);
    return undefined;
  } catch (error) {
    return { field: 'selector', message: `"${selector.selector}" is not ${kind === 'jsonpath' ? 'an RFC 9535 JSONPath query' : 'a JSON Pointer (RFC 6901)'} (${(error as Error).message.split('\n')[0]})` };
  }
}

/** The selection from the context's value; undefined when it selects nothing or cannot be read. */
export function applySelector(selector: SelectorObject, contextValue: unknown): unknown {
  const kind = kindOf(selector.type);
  try {
    if (kind === 'xpath') return selectXPath(selector.selector, contextValue);
    // With no fallback, a pointer that finds nothing throws (json-p3 reads UNDEFINED as no fallback): the catch below.
    if (kind === 'jsonpointer') return jsonpointer.resolve(selector.selector, contextValue as JSONValue);
    if (kind === 'jsonpath') {
      const values = jsonpath.query(selector.selector, contextValue as JSONValue).values();
      return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
    }
  } catch {
    // a context the selector cannot read selects nothing
  }
  return undefined;
}
