/**
 * Request bodies as the specification writes them: JSON text with embedded expressions is sent as the JSON it
 * describes (once encoded), whatever the inputs contain.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isJsonTextPayload, readJsonTemplate } from '../lib/arazzo/json-template.ts';
import { loadArazzo } from '../lib/arazzo/load.ts';
import { compileWorkflow } from '../lib/compile/compile-workflow.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { json, testServerPerFile } from './support/http-server.ts';
import { compileFor, runDocument } from './support/run-document.ts';

const document = path.join(projectRoot, 'test/fixtures/spec/json-text-payload.arazzo.yml');

const server = testServerPerFile({ beforeAll, afterAll, beforeEach }, json(200, { id: 'ord-1' }));

describe('a JSON text payload with embedded expressions (contentType: application/json)', () => {
  it('is sent as the JSON the template describes: typed values, escaped strings, then the replacements', async () => {
    const result = await runDocument(document, server.current.baseUrl, {
      input: { pet_id: 7, coupon_code: 'SAVE10', quantity: 2, note: 'Rex "the" dog', tags: ['a', 'b'] },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'ord-1' });
    const [request] = server.current.received;
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      petOrder: { petId: 7, couponCode: 'SAVE10', quantity: 2, note: 'for Rex "the" dog', tags: ['a', 'b'], status: 'approved', complete: false },
    });
  });

  it('cannot be rewritten by an input that contains JSON syntax, and leaves out a value that is not given', async () => {
    const result = await runDocument(document, server.current.baseUrl, {
      input: { pet_id: 7, quantity: 1, note: '", "status": "free' },
    });
    expect(result.status).toBe('SUCCEEDED');
    const body = JSON.parse(server.current.received[0].body) as { petOrder: Record<string, unknown> };
    expect(body.petOrder.note).toBe('for ", "status": "free');
    expect(body.petOrder.status).toBe('approved');
    expect(body.petOrder).not.toHaveProperty('couponCode');
  });

  it('is refused at compile, naming the payload, when the text is not JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arazzo-payload-'));
    const broken = path.join(dir, 'broken.arazzo.yml');
    const text = readFileSync(document, 'utf8')
      .replace('./pet-store.openapi.yml', path.join(projectRoot, 'test/fixtures/spec/pet-store.openapi.yml'))
      .replace('"complete": false', '"complete": false,,');
    writeFileSync(broken, text);
    expect(() => compileWorkflow(loadArazzo(broken, { allowRoots: [path.join(projectRoot, 'test/fixtures/spec')] }), { serverUrls: { petStore: server.current.baseUrl } })).toThrow(
      /steps\[placeOrder\] › requestBody › payload: is JSON text \(the content type is JSON\) but does not parse/,
    );
  });

  it('is compiled into the plan as a structured payload, its expressions left for the step runner', () => {
    const compiled = compileFor(document, server.current.baseUrl);
    const plan = compiled.plans.find((p) => p.stepId === 'placeOrder')!;
    expect(plan.request.body?.payload).toMatchObject({ petOrder: { petId: '{$inputs.pet_id}', quantity: '{$inputs.quantity}' } });
  });
});

describe('which payloads are JSON text', () => {
  it('are strings holding an object or array sent as JSON (or with no content type, which the runner sends as JSON)', () => {
    expect(isJsonTextPayload('{"a": 1}', 'application/json')).toBe(true);
    expect(isJsonTextPayload(' [1, {$inputs.x}]', 'application/vnd.api+json; charset=utf-8')).toBe(true);
    expect(isJsonTextPayload('{"a": 1}', undefined)).toBe(true);
    expect(isJsonTextPayload('{"a": 1}', 'text/plain')).toBe(false);
    expect(isJsonTextPayload('<a>{$inputs.x}</a>', 'application/xml')).toBe(false);
    expect(isJsonTextPayload('{$inputs.order}', 'application/json')).toBe(false);
    expect(isJsonTextPayload('plain words', 'application/json')).toBe(false);
    expect(isJsonTextPayload({ a: 1 }, 'application/json')).toBe(false);
  });

  it('read braces inside JSON strings as text, and a {$…} that is not an expression as a JSON error', () => {
    expect(readJsonTemplate('{"a": "{not $ an expression}", "b": {$inputs.b}}')).toEqual({ value: { a: '{not $ an expression}', b: '{$inputs.b}' } });
    expect(readJsonTemplate(String.raw`{"a": "x\\", "b": "say \"{$inputs.b}\"", "c": {$inputs.c}}`)).toEqual({
      value: { a: 'x\\', b: 'say "{$inputs.b}"', c: '{$inputs.c}' },
    });
    expect(readJsonTemplate('{"a": {$nothing.here}}')).toHaveProperty('error');
  });
});
