/**
 * How a Payload Replacement's `target` is read (spec: Payload Replacement Object): `targetSelectorType` when
 * given, else a JSON Pointer for a JSON payload and an XPath for an XML one. JSONPath targets are refused.
 * Used at synth time and by the step runner.
 */
import { checkXPath } from './xml.ts';
import type { PayloadReplacement, RequestBody } from './types.ts';

export type TargetKind = 'jsonpointer' | 'xpath';

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
  if (type === 'jsonpath') return { refused: 'JSONPath replacement targets are not supported; write the target as a JSON Pointer (/path/to/field)' };
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
  if (!JSON_POINTER.test(replacement.target)) {
    return {
      field: 'target',
      message: `"${replacement.target}" is not a JSON Pointer; write it as /path/to/field, with ~1 for "/" and ~0 for "~" inside names (an XML payload takes an XPath target)`,
    };
  }
  return undefined;
}
