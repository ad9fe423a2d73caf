/**
 * Arazzo 1.1 documents: accepted and run ($self and base URIs, querystring, step timeout), and the 1.1
 * features that are refused say so, naming the document path.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadArazzo, validateForCompilation } from '../lib/arazzo/load.ts';
import { applySelector } from '../lib/arazzo/selector.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { hang, json, reply, testServerPerFile, type Responder } from './support/http-server.ts';
import { compileFor, runDocument } from './support/run-document.ts';

const specFixtures = path.join(projectRoot, 'test/fixtures/spec');
const purchase = path.join(specFixtures, 'pet-purchase-1-1.arazzo.yml');
const petStore = path.join(specFixtures, 'pet-store.openapi.yml');

/** The pet store: pets by status, a slow or quick inventory, a pet by id. */
function petStoreApi(inventory: 'quick' | 'slow'): Responder {
  return (request, response) => {
    if (request.path === '/pet/findByStatus') return reply(response, 200, [{ id: 7, name: 'Rex' }]);
    if (request.path === '/inventory') return inventory === 'slow' ? hang(request, response) : reply(response, 200, { available: 12 });
    if (request.path === '/pet/7') return reply(response, 200, { id: 7, name: 'Rex' });
    return reply(response, 404, { error: 'no route' });
  };
}

const server = testServerPerFile({ beforeAll, afterAll, beforeEach }, json(404));

const scratch = mkdtempSync(path.join(tmpdir(), 'arazzo-1-1-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let variants = 0;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests

/** The purchase fixture with one edit, in a scratch directory, its source given as an absolute file URL. */
function variant(edit: (document: Json) => void, base = purchase): string {
  const document = parse(readFileSync(base, 'utf8')) as Json;
  delete document.$self;
  document.sourceDescriptions[0].url = `file://${petStore}`;
  edit(document);
  const file = path.join(scratch, `variant-${++variants}.arazzo.yml`);
  writeFileSync(file, stringify(document));
  return file;
}

function problemsOf(file: string): string[] {
  try {
    validateForCompilation(loadArazzo(file, { allowRoots: [specFixtures] }));
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [String(error)];
  }
}

describe('an Arazzo 1.1 document', () => {
  it('runs: sources resolve against a relative $self, $self reads the resolved URI, querystring sends the whole query', async () => {
    server.current.respondWith(petStoreApi('quick'));
    const result = await runDocument(purchase, server.current.baseUrl, { input: { category: 'dogs & cats' } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ firstPetId: 7, available: 12 });
    const [find] = server.current.received;
    expect([...find.query.entries()]).toEqual([['status', 'available'], ['category', 'dogs & cats']]);
    expect(String(find.headers['x-workflow-document'])).toMatch(/^file:\/\/.*\/test\/fixtures\/spec\/sub\/pet-purchase\.arazzo\.yml$/);
  });

  it('fails a step whose call runs over its timeout, so its onFailure applies, instead of retrying it', async () => {
    server.current.respondWith(petStoreApi('slow'));
    const result = await runDocument(purchase, server.current.baseUrl, { input: {} });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ firstPetId: 7, available: null, fallbackName: 'Rex' });
    expect(server.current.received.filter((r) => r.path === '/inventory')).toHaveLength(1);
    expect(result.logs.find((l) => l.stepId === 'countInventory')).toMatchObject({ route: 'inventoryTooSlow' });
  });

  it('refuses a step timeout longer than the deployment\'s request timeout, saying which option to raise', () => {
    expect(() => compileFor(purchase, server.current.baseUrl, { requestTimeoutMs: 400 })).toThrow(
      /steps\[countInventory\] › timeout: 500 ms is longer than the deployment's requestTimeoutMs \(400 ms\).*raise requestTimeoutMs/,
    );
  });
});

describe('Arazzo 1.1 reading rules', () => {
  it('a 1.1 field in a 1.0 document is named as such, not taken for a typo', () => {
    const file = variant((d) => {
      d.arazzo = '1.0.1';
    });
    expect(problemsOf(file)).toContain(`${file} › workflows[findAndCount] › steps[countInventory] › timeout: is an Arazzo 1.1 field, and this document declares arazzo 1.0; declare arazzo: 1.1.0 to use it`);
  });

  it('an absolute $self is the base URI: a relative source URL resolves against it, not against the file', () => {
    const file = variant((d) => {
      d.$self = 'https://workflows.example.test/pets/purchase.arazzo.yml';
      d.sourceDescriptions[0].url = '../specs/pet-store.openapi.yml';
    });
    expect(() => loadArazzo(file, { allowRoots: [specFixtures] })).toThrow(
      'sourceDescriptions[0] › url: https://workflows.example.test/specs/pet-store.openapi.yml (resolved against $self https://workflows.example.test/pets/purchase.arazzo.yml) is a remote source description and synth never reads the network',
    );
  });

  it('quotes a long $self and the URL resolved against it in 100 characters each', () => {
    const folder = `https://workflows.example.test/${'p'.repeat(120)}`;
    const file = variant((d) => {
      d.$self = `${folder}/purchase.arazzo.yml`;
      d.sourceDescriptions[0].url = 'pet-store.openapi.yml';
    });
    expect(() => loadArazzo(file, { allowRoots: [specFixtures] })).toThrow(
      `sourceDescriptions[0] › url: ${folder.slice(0, 100)}… (resolved against $self ${folder.slice(0, 100)}…) is a remote source description`,
    );
  });

  it('refuses a $self with a fragment, and $self read in a document that declares none', () => {
    const fragment = variant((d) => {
      d.$self = 'https://workflows.example.test/purchase.arazzo.yml#top';
    });
    expect(problemsOf(fragment)).toEqual([`${fragment} › $self: "https://workflows.example.test/purchase.arazzo.yml#top" must not contain a fragment (#…) (spec: $self)`]);
    const undeclared = variant(() => undefined);
    expect(problemsOf(undeclared)).toEqual([
      `${undeclared} › workflows[findAndCount] › steps[findPets]: "$self" reads the document's $self, which this document does not declare`,
    ]);
  });

  it('refuses the spec\'s own AsyncAPI steps: send, and a receive on a Kafka channel, naming the field', () => {
    const file = variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.sourceDescriptions.push({ name: 'orders', url: `file://${path.join(specFixtures, 'pet-asyncapi.yaml')}`, type: 'asyncapi' });
      d.workflows[0].steps.push(
        { stepId: 'placeOrder', operationId: '$sourceDescriptions.orders.placeOrder', action: 'send' },
        { stepId: 'confirm', channelPath: '{$sourceDescriptions.orders.url}#/channels/confirm-order', action: 'receive', correlationId: '$inputs.category', timeout: 6000 },
      );
    });
    const problems = problemsOf(file).join('\n');
    expect(problems).toContain('steps[placeOrder] › action: action send (publishing an AsyncAPI message) is not supported');
    expect(problems).toContain('steps[confirm] › channelPath: channel confirm-order of orders is not an HTTP webhook: its messages travel over kafka (server protocol), not HTTP');
  });

  it('refuses an asyncapi source description that is not an AsyncAPI 3 document', () => {
    const file = variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.sourceDescriptions.push({ name: 'orders', url: `file://${petStore}`, type: 'asyncapi' });
    });
    expect(problemsOf(file).join('\n')).toContain('pet-store.openapi.yml › asyncapi: must be an AsyncAPI 3.x version (found no 3.x version); convert the description to AsyncAPI 3.0');
  });

  it('refuses $message in workflow outputs, and Selector Objects its selector type cannot read, naming the field', () => {
    const file = variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.workflows[0].steps[0].outputs.first = { context: '$response.body', selector: '$[0].id[', type: 'jsonpath' };
      d.workflows[0].steps[0].outputs.second = { context: '$response.bdy', selector: '/0', type: { type: 'jsonpointer', version: 'rfc9999' } };
      d.workflows[0].steps[2].parameters[0].value = { context: '$steps.findPets.outputs.firstPetId', selector: '/id' };
      d.workflows[0].outputs.orderId = '$message.payload#/orderId';
    });
    const problems = problemsOf(file).join('\n');
    expect(problems).toContain('steps[findPets] › outputs › first › selector: "$[0].id[" is not an RFC 9535 JSONPath query');
    expect(problems).toContain('steps[findPets] › outputs › second › type: version must be rfc6901 for jsonpointer, not "rfc9999"');
    expect(problems).toContain('steps[findPets] › outputs › second › context: ');
    expect(problems).toContain('steps[fallback] › parameters[0] › value › type: is required: jsonpath, jsonpointer or xpath');
    expect(problems).toContain('outputs › orderId: "$message.payload#/orderId": workflow outputs are computed after the steps, with no request, response or message');
  });

  it('runs Selector Objects: a jsonpath output, a jsonpointer parameter value, a payload value, a workflow output', async () => {
    const file = variant((d) => {
      d.$self = 'x.arazzo.yml';
      const [find, , fallback] = d.workflows[0].steps as Json[];
      find.outputs = { pets: '$response.body', firstName: { context: '$response.body', selector: '$[0].name', type: 'jsonpath' }, names: { context: '$response.body', selector: '$[*].name', type: 'jsonpath' } };
      d.workflows[0].steps[1] = {
        stepId: 'order',
        operationId: 'placeOrder',
        requestBody: { contentType: 'application/json', payload: { petName: { context: '$steps.findPets.outputs.pets', selector: '/1/name', type: 'jsonpointer' }, all: '$steps.findPets.outputs.names' } },
      };
      fallback.parameters[0].value = { context: '$steps.findPets.outputs.pets', selector: '$[0].id', type: { type: 'jsonpath', version: 'rfc9535' } };
      fallback.outputs = { name: '$response.body#/name' };
      d.workflows[0].outputs = { firstName: '$steps.findPets.outputs.firstName', missing: { context: '$steps.findPets.outputs.pets', selector: '$[9].id', type: 'jsonpath' }, fallbackName: '$steps.fallback.outputs.name' };
    });
    server.current.respondWith((request, response) => {
      if (request.path === '/pet/findByStatus') return reply(response, 200, [{ id: 7, name: 'Rex' }, { id: 8, name: 'Fido' }]);
      if (request.path === '/store/order') return reply(response, 200, { id: 'ord-1' });
      if (request.path === '/pet/7') return reply(response, 200, { id: 7, name: 'Rex' });
      return reply(response, 404, {});
    });
    const result = await runDocument(file, server.current.baseUrl, { input: {}, allowRoots: [specFixtures] });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toEqual({ firstName: 'Rex', missing: null, fallbackName: 'Rex' });
    expect(JSON.parse(server.current.received.find((r) => r.path === '/store/order')!.body)).toEqual({ petName: 'Fido', all: ['Rex', 'Fido'] });
    expect(server.current.received.map((r) => r.path)).toContain('/pet/7');
  });

  it('selects from XML with an xpath selector: one node\'s text, an attribute, several as a list, a count; nothing from JSON', () => {
    const xml = '<Invoice><Header number="INV-9"><InvoiceNumber>42</InvoiceNumber></Header><Line>a</Line><Line>b</Line></Invoice>';
    const select = (selector: string, context: unknown = xml) => applySelector({ context: '$response.body', selector, type: { type: 'xpath', version: 'xpath-30' } }, context);
    expect(select('/Invoice/Header/InvoiceNumber')).toBe('42');
    expect(select('/Invoice/Header/@number')).toBe('INV-9');
    expect(select('/Invoice/Line')).toEqual(['a', 'b']);
    expect(select('count(/Invoice/Line)')).toBe(2);
    expect(select('/Invoice/Missing')).toBeUndefined();
    expect(select('/Invoice', { Invoice: 1 })).toBeUndefined();
  });

  it('reads the same object as a literal in a 1.0 document', async () => {
    const file = variant((d) => {
      d.arazzo = '1.0.1';
      delete d.$self;
      delete d.workflows[0].steps[1].timeout;
      d.workflows[0].steps[0].parameters = [];
      d.workflows[0].steps[1] = { stepId: 'order', operationId: 'placeOrder', requestBody: { payload: { note: { context: 'gift', selector: 'ribbon', type: 'red' } } } };
      d.workflows[0].outputs = { firstPetId: '$steps.findPets.outputs.firstPetId' };
      d.workflows[0].steps.pop();
    });
    server.current.respondWith((request, response) => reply(response, 200, request.path === '/store/order' ? { id: 'o' } : [{ id: 7 }]));
    const result = await runDocument(file, server.current.baseUrl, { input: {}, allowRoots: [specFixtures] });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(JSON.parse(server.current.received.find((r) => r.path === '/store/order')!.body)).toEqual({ note: { context: 'gift', selector: 'ribbon', type: 'red' } });
  });

  it('refuses a forward reference in a workflow without dependsOn, but not a read that a goto loop makes possible', () => {
    const forward = variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.workflows[0].steps[0].parameters.push({ name: 'X-Previous', in: 'header', value: '$steps.fallback.outputs.name' });
    });
    expect(problemsOf(forward)).toEqual([
      `${forward} › workflows[findAndCount] › steps[findPets]: reads the outputs of step fallback, which comes later in the steps list and has not run yet (a forward reference); move fallback before findPets, or declare dependsOn (Arazzo 1.1)`,
    ]);
    const looped = variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.workflows[0].steps[0].parameters.push({ name: 'X-Previous', in: 'header', value: '$steps.fallback.outputs.name' });
      d.workflows[0].steps[2].onSuccess = [{ name: 'again', type: 'goto', stepId: 'findPets', criteria: [{ condition: '$statusCode == 202' }] }];
    });
    expect(problemsOf(looped)).toEqual([]);
  });

  it('refuses dependsOn on unknown steps, on steps of other workflows, and cycles, naming the cycle', () => {
    const file = variant((d) => {
      d.$self = 'x.arazzo.yml';
      const [find, count, fallback] = d.workflows[0].steps as Json[];
      find.dependsOn = ['fallback'];
      count.dependsOn = ['nope', '$workflows.other.steps.login', 'findPets'];
      delete fallback.parameters;
      fallback.operationId = 'getInventory';
      fallback.dependsOn = ['countInventory'];
    });
    const problems = problemsOf(file);
    expect(problems).toContain(
      `${file} › workflows[findAndCount] › steps[countInventory] › dependsOn[0]: "nope" is not a step of workflow findAndCount; steps are "findPets", "countInventory", "fallback"`,
    );
    expect(problems).toContain(
      `${file} › workflows[findAndCount] › steps[countInventory] › dependsOn[1]: "$workflows.other.steps.login": depending on a step of another workflow is not supported; depend on steps of workflow findAndCount`,
    );
    expect(problems).toContain(
      `${file} › workflows[findAndCount] › steps: steps depend on each other in a cycle: findPets → fallback → countInventory → findPets (through dependsOn and $steps references); break the cycle`,
    );
  });

  it('runs a step that depends on a later one after it: with dependsOn the dependencies set the order, not the list', async () => {
    const later = variant((d) => {
      d.$self = 'x.arazzo.yml';
      const [find, count] = d.workflows[0].steps as Json[];
      find.dependsOn = ['countInventory'];
      delete count.onFailure;
      delete count.onSuccess;
    });
    expect(problemsOf(later)).toEqual([]);
    server.current.respondWith(petStoreApi('quick'));
    const result = await runDocument(later, server.current.baseUrl, { input: {}, allowRoots: [specFixtures] });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(server.current.received.map((r) => r.path)).toEqual(['/inventory', '/pet/findByStatus', '/pet/7']);
  });
});

describe('other 1.1 refusals', () => {
  it('action parameters without a workflowId, a JSONPath replacement target that is not RFC 9535, and a jsonpointer criterion type', () => {
    const file = variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.workflows[0].steps[1].onFailure[0].parameters = [{ name: 'reason', value: 'slow' }];
      d.workflows[0].steps[2].requestBody = { contentType: 'application/json', payload: { a: 1 }, replacements: [{ target: '$.a[?(@.x', targetSelectorType: 'jsonpath', value: 2 }] };
      d.workflows[0].steps[2].successCriteria = [{ context: '$response.body', condition: '/name', type: { type: 'jsonpointer', version: 'rfc6901' } }];
    });
    const problems = problemsOf(file).join('\n');
    expect(problems).toContain('steps[countInventory] › onFailure[0] › parameters: parameters are passed to a workflow named by workflowId; this action names none, so remove them');
    expect(problems).toContain('steps[fallback] › requestBody › replacements[0] › target: "$.a[?(@.x" is not an RFC 9535 JSONPath query');
    expect(problems).toContain('steps[fallback] › successCriteria[0] › type: type.type must be jsonpath or xpath, not "jsonpointer"');
  });
});

describe('a JSONPath replacement target (1.1)', () => {
  const order = (replacements: Json[]) =>
    variant((d) => {
      d.$self = 'x.arazzo.yml';
      d.workflows[0].steps = [
        {
          stepId: 'order',
          operationId: 'placeOrder',
          requestBody: { contentType: 'application/json', payload: { items: [{ sku: 'ABC123', quantity: 1 }, { sku: 'XYZ', quantity: 1 }, { sku: 'ABC123', quantity: 1 }], note: 'x' }, replacements },
          outputs: { id: '$response.body#/id' },
        },
      ];
      d.workflows[0].outputs = { id: '$steps.order.outputs.id' };
      d.workflows[0].inputs.properties.note = { type: 'string' };
    });

  it('sets the value at every node it selects, as the spec\'s example does, and removes them for a value that is not set', async () => {
    server.current.respondWith((request, response) => (request.path === '/store/order' ? reply(response, 200, { id: 'ord-9' }) : reply(response, 404, {})));
    const file = order([
      { target: "$.items[?(@.sku=='ABC123')].quantity", targetSelectorType: 'jsonpath', value: '$inputs.category' },
      { target: '$.note', targetSelectorType: { type: 'jsonpath', version: 'rfc9535' }, value: '$inputs.note' },
    ]);
    const result = await runDocument(file, server.current.baseUrl, { input: { category: 'five' }, allowRoots: [specFixtures] });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(JSON.parse(server.current.received[0]!.body)).toEqual({ items: [{ sku: 'ABC123', quantity: 'five' }, { sku: 'XYZ', quantity: 1 }, { sku: 'ABC123', quantity: 'five' }] });
  });

  it('fails the step, naming the replacement, when the target selects nothing', async () => {
    const file = order([{ target: "$.items[?(@.sku=='NOPE')].quantity", targetSelectorType: 'jsonpath', value: 3 }]);
    const result = await runDocument(file, server.current.baseUrl, { input: {}, allowRoots: [specFixtures] });
    expect(result.status).toBe('FAILED');
    expect(JSON.parse(result.cause!).message).toContain(`requestBody.replacements[0].target: the JSONPath "$.items[?(@.sku=='NOPE')].quantity" selects nothing in the payload`);
    expect(server.current.received).toEqual([]);
  });
});

describe('a retry action that names a step to run first', () => {
  it('is refused in 1.0 and 1.1 documents alike, rather than run as a plain retry that skips the step', () => {
    const file = variant((d) => {
      d.arazzo = '1.0.1';
      delete d.workflows[0].steps[1].timeout;
      d.workflows[0].steps[0].parameters = [];
      d.workflows[0].steps[1].onFailure = [{ name: 'login', type: 'retry', stepId: 'findPets', retryLimit: 2 }];
    });
    expect(problemsOf(file)).toEqual([
      `${file} › workflows[findAndCount] › steps[countInventory] › onFailure[0]: a retry that first runs step findPets is not supported; retry the step itself, or goto that step and let it goto back`,
    ]);
  });
});
