/**
 * Rules of the selectors a document writes, observed through their public functions: Selector Objects (checked at
 * synth time, applied by the step runner), Payload Replacement targets (JSON Pointer, JSONPath, XPath), XML
 * parsing and XPath evaluation, and runtime expressions embedded in regex/jsonpath/xpath conditions.
 */
import { describe, expect, it } from 'vitest';
import { conditionForSyntaxCheck, embeddedExpressions, substituteEmbedded } from '../../lib/arazzo/condition-template.ts';
import { checkReplacementTarget, isXmlContentType, jsonPathTargets, replacementTargetKind } from '../../lib/arazzo/replacement-target.ts';
import { applySelector, checkSelector, isSelectorObject, type SelectorObject } from '../../lib/arazzo/selector.ts';
import type { PayloadReplacement, RequestBody } from '../../lib/arazzo/types.ts';
import { checkXPath, MAX_XML_BYTES, parseXml, replaceAtXPath, selectXPath, xpathConditionHolds } from '../../lib/arazzo/xml.ts';

const selector = (type: unknown, text: unknown = '$.a'): SelectorObject => ({ context: '$response.body', selector: text, type }) as SelectorObject;
/** The library's reason, quoted in parentheses: one line, and more than a character of it. */
const REASON = /\([^\n()]{8,}[^\n]*\)$/;

describe('a Selector Object', () => {
  it('has context and selector, and no field but type and x- extensions', () => {
    expect(isSelectorObject({ context: '$response.body', selector: '/a', type: 'jsonpointer', 'x-note': 'n' })).toBe(true);
    expect(isSelectorObject({ context: '$response.body', selector: '/a', value: 1 })).toBe(false);
  });

  it('must name its type jsonpath, jsonpointer or xpath, saying what it found', () => {
    const unknown = (found: string) => ({ field: 'type', message: `must be jsonpath, jsonpointer or xpath (or an Expression Type Object), not ${found}` });
    expect(checkSelector(selector(undefined))).toEqual(unknown('null'));
    expect(checkSelector(selector(null))).toEqual(unknown('null'));
    expect(checkSelector(selector('regex'))).toEqual(unknown('"regex"'));
  });

  it('as an Expression Type Object, must give a version the spec names for its type', () => {
    expect(checkSelector(selector({ type: 'jsonpath', version: 'xpath-30' }))).toEqual({
      field: 'type',
      message: 'version must be rfc9535, draft-goessner-dispatch-jsonpath-00 for jsonpath, not "xpath-30"',
    });
    expect(checkSelector(selector({ type: 'jsonpath', version: 'draft-goessner-dispatch-jsonpath-00' }))).toBeUndefined();
    expect(checkSelector(selector({ type: 'xpath', version: 'xpath-10' }, '//a'))).toBeUndefined();
  });

  it('must have a selector string its type can read, quoting the reason', () => {
    expect(checkSelector(selector('jsonpath', 5))).toEqual({ field: 'selector', message: 'must be a string' });
    expect(checkSelector(selector('xpath', 'count(//order) > 1'))).toBeUndefined();
    expect(checkSelector(selector('xpath', '//['))).toMatchObject({ field: 'selector', message: expect.stringContaining('"//[" is not an XPath expression this compiler can evaluate') });
    const pointer = checkSelector(selector('jsonpointer', 'a/b'))!;
    expect(pointer.field).toBe('selector');
    expect(pointer.message).toMatch(/^"a\/b" is not a JSON Pointer \(RFC 6901\) /);
    expect(pointer.message).toMatch(REASON);
    const query = checkSelector(selector('jsonpath', '$['))!;
    expect(query.message).toMatch(/^"\$\[" is not an RFC 9535 JSONPath query /);
    expect(query.message).toMatch(REASON);
  });

  it('selects with jsonpath: one node gives its value, several a list, none nothing', () => {
    const body = { items: [{ id: 1 }, { id: 2 }] };
    expect(applySelector(selector('jsonpath', '$.items[0].id'), body)).toBe(1);
    expect(applySelector(selector('jsonpath', '$.items[*].id'), body)).toEqual([1, 2]);
    expect(applySelector(selector('jsonpath', '$.nope'), body)).toBeUndefined();
  });

  it('selects with jsonpointer the value at the pointer, or nothing', () => {
    expect(applySelector(selector('jsonpointer', '/items/1/id'), { items: [{ id: 1 }, { id: 2 }] })).toBe(2);
    expect(applySelector(selector('jsonpointer', '/nope'), {})).toBeUndefined();
    expect(applySelector(selector('jsonpointer', 'not-a-pointer'), {})).toBeUndefined();
  });

  it('selects with xpath in XML text, and nothing from a context that is not there', () => {
    expect(applySelector(selector('xpath', '//id'), '<r><id>1</id><id>2</id></r>')).toEqual(['1', '2']);
    for (const type of ['jsonpath', 'jsonpointer', 'xpath']) expect(applySelector(selector(type, type === 'jsonpath' ? '$' : ''), undefined)).toBeUndefined();
  });

  it('of a type it does not know selects nothing', () => {
    expect(applySelector(selector('regex', '$.a'), { a: 1 })).toBeUndefined();
  });
});

const replacement = (target: string, targetSelectorType?: unknown): PayloadReplacement => ({ target, value: 'v', ...(targetSelectorType === undefined ? {} : { targetSelectorType }) }) as PayloadReplacement;
const json: RequestBody = { contentType: 'application/json', payload: { a: 1 } };
const xml: RequestBody = { contentType: 'application/xml', payload: '<a>1</a>' };

describe('a payload replacement target', () => {
  it('is read as XML for application/xml, text/xml and any +xml media type, parameters and case aside', () => {
    expect(isXmlContentType(undefined)).toBe(false);
    expect(isXmlContentType('Application/XML ; charset=utf-8')).toBe(true);
    expect(isXmlContentType('text/xml')).toBe(true);
    expect(isXmlContentType('application/atom+xml')).toBe(true);
    expect(isXmlContentType('application/json')).toBe(false);
    expect(isXmlContentType('application/xml-patch+json')).toBe(false);
  });

  it('is a JSON Pointer for a JSON payload and an XPath for an XML one, unless targetSelectorType says', () => {
    expect(replacementTargetKind(replacement('/a'), json)).toBe('jsonpointer');
    expect(replacementTargetKind(replacement('/a'), xml)).toBe('xpath');
    expect(replacementTargetKind(replacement('/a', 'jsonpointer'), xml)).toBe('jsonpointer');
    expect(replacementTargetKind(replacement('/a', 'xpath'), json)).toBe('xpath');
    expect(replacementTargetKind(replacement('$.a', 'jsonpath'), json)).toBe('jsonpath');
    expect(replacementTargetKind(replacement('$.a', { type: 'jsonpath', version: 'rfc9535' }), json)).toBe('jsonpath');
  });

  it('refuses a selector type or JSONPath version the spec does not name', () => {
    expect(replacementTargetKind(replacement('$.a', { type: 'jsonpath', version: 'xpath-30' }), json)).toEqual({
      refused: 'JSONPath version must be rfc9535 or draft-goessner-dispatch-jsonpath-00, not "xpath-30"',
    });
    expect(replacementTargetKind(replacement('$.a', 'regex'), json)).toEqual({ refused: 'must be jsonpointer, xpath or jsonpath, not "regex"' });
    expect(replacementTargetKind(replacement('$.a', null), json)).toEqual({ refused: 'must be jsonpointer, xpath or jsonpath, not null' });
    expect(checkReplacementTarget(replacement('$.a', 'regex'), json)).toEqual({ field: 'targetSelectorType', message: 'must be jsonpointer, xpath or jsonpath, not "regex"' });
  });

  it('as an XPath needs an XML text payload and an expression the compiler evaluates', () => {
    expect(checkReplacementTarget(replacement('/a', 'xpath'), json)).toEqual({
      field: 'target',
      message: 'an XPath target needs an XML payload: a string payload with an XML contentType such as application/xml',
    });
    expect(checkReplacementTarget(replacement('/a'), xml)).toBeUndefined();
    expect(checkReplacementTarget(replacement('//['), xml)).toMatchObject({ field: 'target', message: expect.stringContaining('"//[" is not an XPath expression') });
  });

  it('as a JSONPath needs a JSON payload and an RFC 9535 query', () => {
    expect(checkReplacementTarget(replacement('$.a', 'jsonpath'), xml)).toEqual({ field: 'target', message: 'a JSONPath target needs a JSON payload; an XML payload takes an XPath target' });
    expect(checkReplacementTarget(replacement('$.a', 'jsonpath'), json)).toBeUndefined();
    const broken = checkReplacementTarget(replacement('$[', 'jsonpath'), json)!;
    expect(broken.message).toMatch(/^"\$\[" is not an RFC 9535 JSONPath query /);
    expect(broken.message).toMatch(REASON);
  });

  it('as a JSON Pointer is written /path/to/field with ~1 and ~0 escapes', () => {
    expect(checkReplacementTarget(replacement('/a~1b/~0c'), json)).toBeUndefined();
    expect(checkReplacementTarget(replacement('a'), json)?.message).toMatch(/^"a" is not a JSON Pointer; write it as \/path\/to\/field/);
  });

  it('as a JSONPath sets every node it selects, pointers last first, and must select one', () => {
    expect(jsonPathTargets({ items: [1, 2, 3] }, '$.items[*]')).toEqual({ pointers: ['/items/2', '/items/1', '/items/0'] });
    expect(jsonPathTargets({}, '$.nope')).toEqual({ error: 'the JSONPath "$.nope" selects nothing in the payload' });
    const broken = jsonPathTargets({}, '$[') as { error: string };
    expect(broken.error).toMatch(/^the JSONPath "\$\[" cannot be evaluated /);
    expect(broken.error).toMatch(REASON);
  });
});

describe('XML', () => {
  it('is parsed up to MAX_XML_BYTES characters, and not at all above', () => {
    expect(parseXml('x'.repeat(MAX_XML_BYTES))).toEqual({ error: 'not well-formed XML: missing root element' });
    expect(parseXml('x'.repeat(MAX_XML_BYTES + 1))).toEqual({ error: `the XML is ${MAX_XML_BYTES + 1} characters, over the ${MAX_XML_BYTES} this runner parses` });
  });

  it('that only draws a parser warning is read; an error is an error, with the parser\'s message alone', () => {
    expect(parseXml('<a b=c/>')).toHaveProperty('document');
    expect(parseXml('<a>&nbsp;</a>')).toEqual({ error: 'not well-formed XML: entity not found:&nbsp;' });
  });

  it('is queried by XPath 1.0 conditions: true for a non-empty node-set, non-zero number, non-empty string or true', () => {
    expect(checkXPath('count(//a) > 1')).toBeUndefined();
    expect(xpathConditionHolds('count(//a) > 1', '<r><a/><a/></r>')).toBe(true);
    expect(xpathConditionHolds('count(//a) > 2', '<r><a/><a/></r>')).toBe(false);
    expect(xpathConditionHolds('//b', '<r><a/></r>')).toBe(false);
    expect(xpathConditionHolds('string(//a)', '<r><a>x</a></r>')).toBe(true);
  });

  it('selects each node\'s string-value: an attribute\'s value, an element\'s text, the root\'s text', () => {
    const text = '<a k="v">x<b>y</b><!--c--></a>';
    expect(selectXPath('/', text)).toBe('xy');
    expect(selectXPath('//@k', text)).toBe('v');
    expect(selectXPath('//text()', text)).toEqual(['x', 'y']);
    expect(selectXPath('count(//b)', text)).toBe(1);
    expect(selectXPath('//c', text)).toBeUndefined();
    expect(selectXPath('//a', '<a>')).toBeUndefined();
  });

  it('payloads take an XPath replacement at elements, attributes and text, never elsewhere', () => {
    expect(replaceAtXPath('<a>1</a>', '//a/text()', 'z')).toEqual({ xml: '<a>z</a>' });
    expect(replaceAtXPath('<a k="1"/>', '//@k', 2)).toEqual({ xml: '<a k="2"/>' });
    expect(replaceAtXPath('<a><!--c--></a>', '//comment()', 'z')).toEqual({ error: '"//comment()" selects a #comment node; target elements, attributes or text' });
    expect(replaceAtXPath('<a>', '//a', 'z')).toEqual({ error: 'the payload is not well-formed XML: unclosed xml tag(s): a' });
  });
});

describe('runtime expressions embedded in a condition', () => {
  const context = { inputs: { id: 'a-1', n: 5, o: { k: 1 } }, steps: {} };

  it('are those in braces that parse; other braces stay text', () => {
    expect(embeddedExpressions('^{$inputs.id}-{$nope}-{x}$').map((found) => found.text)).toEqual(['$inputs.id']);
    expect(conditionForSyntaxCheck('^{$inputs.id}-{$nope}$')).toBe('^0-{$nope}$');
  });

  it('are substituted as text, objects as JSON, before the condition is evaluated', () => {
    expect(substituteEmbedded('^{$inputs.id}/{$inputs.n}/{$inputs.o}/{$nope}$', context)).toBe('^a-1/5/{"k":1}/{$nope}$');
    expect(substituteEmbedded('^plain$', context)).toBe('^plain$');
  });

  it('without a value fail the condition', () => {
    expect(substituteEmbedded('^{$inputs.missing}$', context)).toBeUndefined();
  });
});
