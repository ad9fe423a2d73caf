/**
 * XML bodies and XPath: `xpath` criteria, and payload replacements whose target is an XPath (XML payloads).
 * Parsing is @xmldom/xmldom, evaluation the `xpath` library (XPath 1.0); nothing here is hand-written XPath.
 *
 * Hostile XML: xmldom reads no DTD, so no entity is ever expanded, internal or external (a "billion laughs"
 * document or an external `SYSTEM` entity is an error, never a file read or a blow-up), and a body over
 * MAX_XML_BYTES is not parsed at all. Parse errors are errors, not a partial tree.
 *
 * Versions: XPath 3.1 is the spec's default; expressions are evaluated with XPath 1.0 semantics, so an
 * expression only XPath 2.0+ accepts (`for`, `if`, sequences, typed functions) is refused at synth time.
 * Used at synth time and by the step runner: no Node imports.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import xpath from 'xpath';
import { memoizeParse } from './memo.ts';

/** Larger bodies are not parsed: XML is read whole into a tree. */
export const MAX_XML_BYTES = 5 * 1024 * 1024;

type XmlDocument = ReturnType<DOMParser['parseFromString']>;

export function parseXml(text: string): { document: XmlDocument } | { error: string } {
  if (text.length > MAX_XML_BYTES) return { error: `the XML is ${text.length} characters, over the ${MAX_XML_BYTES} this runner parses` };
  try {
    const parser = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    });
    return { document: parser.parseFromString(text, 'text/xml') };
  } catch (error) {
    // xmldom wraps what onError throws: 'Reporting error "<message>" caused Error: <message>'.
    // Stryker disable next-line Regex: with the s flag, .* matches from the start of the message anyway, so the ^ changes nothing
    return { error: `not well-formed XML: ${(error as Error).message.replace(/^.*caused Error: /s, '')}` };
  }
}

/** The library's parser (exported by xpath, absent from its type declarations): throws on a syntax error. */
const parseXPath = (xpath as unknown as { parse: (expression: string) => unknown }).parse;

const compileXPath = memoizeParse((expression: string): { error?: string } => {
  try {
    parseXPath(expression);
    return {};
  } catch (error) {
    return {
      error:
        `"${expression}" is not an XPath expression this compiler can evaluate (${(error as Error).message}); ` +
        'it evaluates XPath 1.0, the subset of XPath 3.1 that paths, predicates, count() and comparisons use',
    };
  }
});

/** Synth time: why an XPath expression cannot be evaluated, or undefined. */
export function checkXPath(expression: string): string | undefined {
  const compiled = compileXPath(expression);
  return compiled.error;
}

/**
 * An xpath condition over a context value: true by XPath's boolean conversion (a non-empty node-set, a
 * non-zero number, a non-empty string, true). The context must be XML text (a response body that is not
 * JSON is kept as text); anything else, or text that is not XML, fails the condition (spec: invalid context).
 */
export function xpathConditionHolds(expression: string, contextValue: unknown): boolean {
  if (typeof contextValue !== 'string') return false;
  const parsed = parseXml(contextValue);
  if ('error' in parsed) return false;
  const result = xpath.select(expression, parsed.document as unknown as Node);
  if (Array.isArray(result)) return result.length > 0;
  if (typeof result === 'number') return result !== 0 && !Number.isNaN(result);
  if (typeof result === 'string') return result !== '';
  return result === true;
}

/**
 * What an XPath Selector Object selects in XML text: one node's text content (an attribute's value), several
 * nodes' as a list, or the number, string or boolean an expression such as count() gives; undefined when it
 * selects nothing or the context is not XML.
 */
export function selectXPath(expression: string, contextValue: unknown): unknown {
  // Stryker disable next-line ConditionalExpression: parseXml refuses a value that is not text as well (xmldom: "source is not a string"); the check is for the type
  if (typeof contextValue !== 'string') return undefined;
  const parsed = parseXml(contextValue);
  if ('error' in parsed) return undefined;
  const result = xpath.select(expression, parsed.document as unknown as Node);
  if (!Array.isArray(result)) return result;
  // Each node's XPath string-value: an attribute's value, an element's (or the root's) text, a comment's content.
  const texts = result.map((node) => xpath.select('string(.)', node) as string);
  return texts.length === 0 ? undefined : texts.length === 1 ? texts[0] : texts;
}

/**
 * Sets every node an XPath target selects in an XML payload: an element's content becomes the value as text
 * (escaped, so a value cannot add elements), an attribute or text node takes the value. Selecting nothing is
 * an error naming the target, as for a JSON Pointer whose parent is missing.
 */
export function replaceAtXPath(xml: string, target: string, value: unknown): { xml: string } | { error: string } {
  const parsed = parseXml(xml);
  if ('error' in parsed) return { error: `the payload is ${parsed.error}` };
  const selected = xpath.select(target, parsed.document as unknown as Node);
  if (!Array.isArray(selected) || selected.length === 0) return { error: `"${target}" selects no node of the XML payload` };
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const node of selected) {
    if (xpath.isElement(node)) {
      while (node.firstChild) node.removeChild(node.firstChild);
      node.appendChild(node.ownerDocument.createTextNode(text));
    } else if (xpath.isAttribute(node)) {
      node.value = text;
    } else if (xpath.isTextNode(node) || xpath.isCDATASection(node)) {
      node.data = text;
    } else {
      return { error: `"${target}" selects a ${node.nodeName} node; target elements, attributes or text` };
    }
  }
  return { xml: new XMLSerializer().serializeToString(parsed.document) };
}
