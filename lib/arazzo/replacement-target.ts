/**
 * How a Payload Replacement's `target` is read (spec: Payload Replacement Object): `targetSelectorType` when
 * given, else a JSON Pointer for a JSON payload and an XPath for an XML one. A JSONPath target (1.1, RFC 9535,
 * evaluated with json-p3) sets the value at every node it selects. Used at synth time and by the step runner.
 */
import { jsonpath, JSONPathError, type JSONValue } from 'json-p3';
import { checkXPath } from './xml.ts';
import type { PayloadReplacement, RequestBody } from './types.ts';

export type TargetKind = 'jsonpointer' | 'xpath' | 'jsonpath';

/** The JSONPath versions the spec names; both are read as RFC 9535. */
const JSONPATH_VERSIONS = ['rfc9535', 'draft-goessner-dispatch-jsonpath-00'];

const JSON_POINTER = /^(?:\/(?:[^~/]|~[01])*)*$/;

/** XML media types: application/xml, text/xml and any +xml (spec: "or another XML-based media type"). */
export function isXmlContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return mediaType === 'application/xml' || mediaType === 'text/xml' || mediaType.endsWith('+xml');
}

export function replacementTargetKind(replacement: PayloadReplacement, body: RequestBody): TargetKind | { refused: string } {
  const declared = replacement.targetSelectorType;
  const type = typeof declared === 'object' && declared !== null ? declared.type : declared;
  if (type === undefined) return isXmlContentType(body.contentType) ? 'xpath' : 'jsonpointer';
  if (type === 'jsonpointer' || type === 'xpath') return type;
  if (type === 'jsonpath') {
    // A type named by a string has no version: reading one off the string gives undefined.
    const version = (declared as { version?: string }).version;
    if (version !== undefined && !JSONPATH_VERSIONS.includes(version)) {
      return { refused: `JSONPath version must be ${JSONPATH_VERSIONS.join(' or ')}, not ${JSON.stringify(version)}` };
    }
    return type;
  }
  return { refused: `must be jsonpointer, xpath or jsonpath, not ${JSON.stringify(type)}` };
}

/** Synth time: what is wrong with a replacement's target, naming the field. */
export function checkReplacementTarget(
  replacement: PayloadReplacement,
  body: RequestBody,
): { field: 'target' | 'targetSelectorType'; message: string } | undefined {
  const kind = replacementTargetKind(replacement, body);
  if (typeof kind === 'object') return { field: 'targetSelectorType', message: kind.refused };
  if (kind === 'xpath') {
    if (!isXmlContentType(body.contentType) || typeof body.payload !== 'string') {
      return { field: 'target', message: 'an XPath target needs an XML payload: a string payload with an XML contentType such as application/xml' };
    }
    const problem = checkXPath(replacement.target);
    return problem === undefined ? undefined : { field: 'target', message: problem };
  }
  if (kind === 'jsonpath') {
    if (isXmlContentType(body.contentType)) return { field: 'target', message: 'a JSONPath target needs a JSON payload; an XML payload takes an XPath target' };
    try {
      jsonpath.compile(replacement.target);
      return undefined;
    } catch (error) {
      return { field: 'target', message: `"${replacement.target}" is not an RFC 9535 JSONPath query (${(error as Error).message.split('\n')[0]})` };
    }
  }
  if (!JSON_POINTER.test(replacement.target)) {
    return {
      field: 'target',
      message: `"${replacement.target}" is not a JSON Pointer; write it as /path/to/field, with ~1 for "/" and ~0 for "~" inside names (an XML payload takes an XPath target)`,
    };
  }
  return undefined;
}

/**
 * The JSON Pointers of the nodes a JSONPath target selects in a payload, last first (so removing array items one
 * after the other keeps the earlier pointers right); an error when it selects nothing.
 */
export function jsonPathTargets(payload: unknown, target: string): { pointers: string[] } | { error: string } {
  try {
    const nodes = jsonpath.query(target, (payload ?? null) as JSONValue).nodes;
    if (nodes.length === 0) return { error: `the JSONPath "${target}" selects nothing in the payload` };
    return { pointers: nodes.map((node) => node.toPointer().toString()).reverse() };
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: json-p3 throws only JSONPathError subclasses when it queries a JSON value; the check keeps a bug from passing as a document problem
    if (error instanceof JSONPathError) return { error: `the JSONPath "${target}" cannot be evaluated (${error.message.split('\n')[0]})` };
    throw error;
  }
}
