/**
 * XPath over XML bodies: criteria, payload replacements, and hostile XML. Evaluated by the xpath library on
 * documents parsed by @xmldom/xmldom.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateCriterion } from '../lib/arazzo/criteria.ts';
import { checkXPath, MAX_XML_BYTES, parseXml, replaceAtXPath, xpathConditionHolds } from '../lib/arazzo/xml.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { testServerPerFile, type Responder } from './support/http-server.ts';
import { compileFor, runDocument } from './support/run-document.ts';

const pets = '<root><pets><pet id="1">Rex</pet><pet id="2">Tom</pet></pets><total>2</total><empty/></root>';

describe('an xpath condition', () => {
  it('is true by XPath boolean conversion: a non-empty node-set, true, a non-zero number, a non-empty string', () => {
    expect(xpathConditionHolds('/root/pets', pets)).toBe(true);
    expect(xpathConditionHolds('/root/cats', pets)).toBe(false);
    expect(xpathConditionHolds('count(/root/pets/*) > 0', pets)).toBe(true);
    expect(xpathConditionHolds('count(/root/pets/*) > 2', pets)).toBe(false);
    expect(xpathConditionHolds('number(/root/total)', pets)).toBe(true);
    expect(xpathConditionHolds('number(/root/total) - 2', pets)).toBe(false);
    expect(xpathConditionHolds('string(/root/pets/pet[@id="2"])', pets)).toBe(true);
    expect(xpathConditionHolds('string(/root/empty)', pets)).toBe(false);
  });

  it('fails on a context that is not XML text: a JSON body, nothing, or text that does not parse', () => {
    expect(xpathConditionHolds('/root', { root: 1 })).toBe(false);
    expect(xpathConditionHolds('/root', undefined)).toBe(false);
    expect(xpathConditionHolds('/root', '<root><unclosed></root>')).toBe(false);
  });

  it('substitutes embedded runtime expressions before evaluating (Arazzo 1.1 § Runtime Expressions in Conditions)', () => {
    const criterion = { context: '$response.body', condition: 'count(/root/pets/pet) >= {$inputs.minimum}', type: 'xpath' as const };
    const context = (minimum: unknown) => ({ inputs: { minimum }, steps: {}, response: { headers: {}, body: pets } });
    expect(evaluateCriterion(criterion, context(2))).toBe(true);
    expect(evaluateCriterion(criterion, context(3))).toBe(false);
    expect(evaluateCriterion(criterion, context(undefined))).toBe(false);
  });

  it('refuses at synth an expression only XPath 2.0 and later accept, saying what is evaluated', () => {
    expect(checkXPath('/root/pets/pet[@id = "1"]')).toBeUndefined();
    expect(checkXPath('for $p in /root/pets/pet return $p/@id')).toMatch(/is not an XPath expression this compiler can evaluate .*XPath 1\.0/);
  });
});

describe('hostile XML', () => {
  it('never expands entities: a billion-laughs document is an error, not a blow-up', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
    expect(parseXml(laughs)).toEqual({ error: expect.stringMatching(/not well-formed XML: entity not found:&lol3;/) as unknown });
    expect(xpathConditionHolds('string-length(/lolz) > 0', laughs)).toBe(false);
  });

  it('never reads an external entity: a SYSTEM file reference is an error and the file is not read', () => {
    const external = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/hostname">]><r>&xxe;</r>';
    const parsed = parseXml(external);
    expect(parsed).toHaveProperty('error');
    expect(xpathConditionHolds('string(/r) != ""', external)).toBe(false);
  });

  it('does not parse a body over the size limit', () => {
    const huge = `<r>${'x'.repeat(MAX_XML_BYTES)}</r>`;
    expect(parseXml(huge)).toEqual({ error: expect.stringMatching(/over the 5242880 this runner parses/) as unknown });
  });
});

describe('an XPath payload replacement', () => {
  it('sets element text (escaped, so a value cannot add elements), attributes and text nodes', () => {
    const order = '<order status="draft"><note>n</note><id>1</id></order>';
    expect(replaceAtXPath(order, '/order/note', '</note><admin>true</admin>')).toEqual({
      xml: '<order status="draft"><note>&lt;/note&gt;&lt;admin&gt;true&lt;/admin&gt;</note><id>1</id></order>',
    });
    expect(replaceAtXPath(order, '/order/@status', 'placed')).toEqual({ xml: '<order status="placed"><note>n</note><id>1</id></order>' });
    expect(replaceAtXPath(order, '/order/id/text()', 42)).toEqual({ xml: '<order status="draft"><note>n</note><id>42</id></order>' });
  });

  it('that selects nothing is an error naming the target', () => {
    expect(replaceAtXPath('<order/>', '/order/missing', 'x')).toEqual({ error: '"/order/missing" selects no node of the XML payload' });
  });
});

describe('an XML workflow run locally', () => {
  const document = path.join(projectRoot, 'test/fixtures/spec/xml-order.arazzo.yml');
  const xml = (status: number, body: string): Responder => (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/xml' }).end(body);
  };
  const store = (inventory: string): Responder => (request, response) =>
    request.path === '/store/order' ? xml(200, '<order><id>o-9</id></order>')(request, response) : xml(200, inventory)(request, response);
  const server = testServerPerFile({ beforeAll, afterAll, beforeEach }, store('<inventory/>'));

  it('sends the XML payload with inputs escaped and the XPath replacement applied, and routes on xpath criteria', async () => {
    server.current.respondWith(store('<inventory><item available="true"/><item available="true"/></inventory>'));
    const result = await runDocument(document, server.current.baseUrl, { input: { pet_id: 7, note: 'a <b> & "c"', minimum: 1 } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ order: '<order><id>o-9</id></order>' });
    const sent = server.current.received[0];
    expect(sent.headers['content-type']).toBe('application/xml');
    expect(sent.body).toContain('<petId>7</petId>');
    expect(sent.body).toContain('<note>a &lt;b&gt; &amp; "c"</note>');
    expect(sent.body).toContain('<status>placed</status>');
  });

  it('takes the failure action an xpath criterion selects when the stock is too low', async () => {
    server.current.respondWith(store('<inventory><item available="false"/></inventory>'));
    const result = await runDocument(document, server.current.baseUrl, { input: { pet_id: 7, note: 'n', minimum: 1 } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'outOfStock' });
  });

  it('compiles: the xpath criteria reach the plan as written', () => {
    const compiled = compileFor(document, server.current.baseUrl);
    expect(compiled.plans[1].successCriteria[0]).toMatchObject({ type: { type: 'xpath', version: 'xpath-30' } });
  });
});
