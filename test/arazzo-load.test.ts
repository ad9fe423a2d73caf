import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  ArazzoDocumentError,
  findWorkflow,
  loadArazzo,
  resolveReusable,
  resolveStepOperation,
  validateForCompilation,
  type LoadedArazzo,
} from '../lib/arazzo/load.ts';
import type { FailureAction, Parameter, Step, SuccessAction } from '../lib/arazzo/types.ts';

const fixtures = fileURLToPath(new URL('./fixtures/arazzo/', import.meta.url));
const orderPoll = join(fixtures, 'order-poll.arazzo.yml');
const petsOpenApi = join(fixtures, 'specs', 'pets.openapi.yml');
const seed = fileURLToPath(new URL('../workflows/arazzo/civitai-image-generation-poll-workflow.yml', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'arazzo-load-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests
let variants = 0;

/** The order fixture with one edit, written to a scratch file whose source points at the fixture's OpenAPI. */
function variant(edit: (document: Json) => void): string {
  const document = parse(readFileSync(orderPoll, 'utf8')) as Json;
  document.sourceDescriptions[0].url = pathToFileURL(petsOpenApi).href;
  edit(document);
  const file = join(scratch, `variant-${++variants}.arazzo.yml`);
  writeFileSync(file, stringify(document));
  return file;
}

/** The problems loading and validating a document reports (each starts with its document path). */
function problemsOf(file: string): string[] {
  try {
    validateForCompilation(loadArazzo(file, { allowRoots: [fixtures] }));
  } catch (error) {
    if (error instanceof ArazzoDocumentError) return error.problems;
    throw error;
  }
  return [];
}

function stepOf(loaded: LoadedArazzo, stepId: string): Step {
  const step = findWorkflow(loaded).steps.find((candidate) => candidate.stepId === stepId);
  if (!step) throw new Error(`no step ${stepId}`);
  return step;
}

describe('loading', () => {
  it('loads the seed workflow and finds both of its operations', () => {
    const loaded = loadArazzo(seed, { allowRoots: [join(seed, '../..')] });
    expect(() => validateForCompilation(loaded)).not.toThrow();
    const source = loaded.sources.civitaiOrchestrationApi;
    expect(source.url).toBe(resolve(fixtures, '../../../workflows/openapi/civitai-orchestration-api-openapi.yml'));
    expect(source.type).toBe('openapi');
    const workflow = findWorkflow(loaded, 'image-generation-poll');
    const [submit, poll] = workflow.steps.map((step) => resolveStepOperation(loaded, workflow, step));
    expect(submit).toMatchObject({ method: 'POST', path: '/v2/consumer/workflows', operationId: 'submitWorkflow' });
    expect(poll).toMatchObject({ method: 'GET', path: '/v2/consumer/workflows/{workflowId}' });
    expect(poll.serverUrl).toBe('https://orchestration.civitai.com');
  });

  it('resolves a qualified operationId and an operationPath, with server variables at their defaults', () => {
    const loaded = loadArazzo(orderPoll);
    validateForCompilation(loaded);
    const workflow = findWorkflow(loaded);
    expect(resolveStepOperation(loaded, workflow, stepOf(loaded, 'createOrder'))).toEqual({
      sourceDescription: 'petStore',
      operationId: 'createOrder',
      method: 'POST',
      path: '/orders',
      serverUrl: 'https://eu.pets.example.com/api',
    });
    expect(resolveStepOperation(loaded, workflow, stepOf(loaded, 'pollOrder'))).toMatchObject({
      operationId: 'getOrder',
      method: 'GET',
      path: '/orders/{orderId}',
    });
  });

  it("resolves a source's url against the document's own location, and path- and operation-level servers", () => {
    const loaded = loadArazzo(join(fixtures, 'nested', 'relative.arazzo.yml'), { allowRoots: [fixtures] });
    validateForCompilation(loaded);
    expect(loaded.sources.store.url).toBe(petsOpenApi);
    expect(loaded.sources.store.type).toBe('openapi');
    const workflow = findWorkflow(loaded);
    expect(resolveStepOperation(loaded, workflow, stepOf(loaded, 'count'))).toMatchObject({
      path: '/inventory',
      serverUrl: 'https://inventory.example.com/v3',
    });
    const photo = resolveStepOperation(loaded, workflow, stepOf(loaded, 'photo'));
    expect(photo).toMatchObject({ method: 'GET', path: '/pets/{petId}/photos/{photoId}', serverUrl: 'https://photos.example.com' });
    expect(photo.operationId).toBeUndefined();
  });

  it('inlines input schemas that $ref components.inputs', () => {
    const workflow = findWorkflow(loadArazzo(orderPoll));
    expect((workflow.inputs?.properties as Json).note).toEqual({ type: 'string', maxLength: 20 });
  });

  it('follows reusable parameters and actions, with a parameter value override', () => {
    const loaded = loadArazzo(orderPoll);
    const workflow = findWorkflow(loaded);
    const at = 'order-poll › workflows[place-order]';
    expect(resolveReusable<Parameter>(loaded, workflow.parameters![0], at)).toEqual({
      name: 'Authorization',
      in: 'header',
      value: 'Bearer {$inputs.token}',
    });
    expect(
      resolveReusable<Parameter>(loaded, { reference: '$components.parameters.auth', value: 'Basic x' }, at).value,
    ).toBe('Basic x');
    const poll = stepOf(loaded, 'pollOrder');
    expect(resolveReusable<SuccessAction>(loaded, poll.onSuccess![1], at)).toMatchObject({ name: 'done', type: 'end' });
    expect(resolveReusable<FailureAction>(loaded, poll.onFailure![0], at)).toMatchObject({ type: 'retry', retryAfter: 5, retryLimit: 3 });
    const inline = poll.onSuccess![0];
    expect(resolveReusable<SuccessAction>(loaded, inline, at)).toBe(inline);
  });

  it('names the reference and the available components when a reference names nothing', () => {
    const loaded = loadArazzo(orderPoll);
    expect(() => resolveReusable(loaded, { reference: '$components.successActions.missing' }, 'here')).toThrow(
      'here › reference: "$components.successActions.missing" names nothing; components.successActions has "done"',
    );
  });

  it('picks the first workflow by default and lists the ids for an unknown one', () => {
    const loaded = loadArazzo(orderPoll);
    expect(findWorkflow(loaded).workflowId).toBe('place-order');
    expect(() => findWorkflow(loaded, 'nope')).toThrow(/has no workflow "nope"; choose one of "place-order"/);
  });
});

describe('refusals name the document path and the fix', () => {
  const place = 'workflows[place-order]';

  it('a goto to an unknown step', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].onSuccess[0].stepId = 'pollOrdr';
    });
    expect(problemsOf(file)).toEqual([
      `${file} › ${place} › steps[pollOrder] › onSuccess[0] › stepId: "pollOrdr" is not a step of workflow place-order; steps are "createOrder", "pollOrder"`,
    ]);
  });

  it('an xpath criterion only XPath 2.0 and later can read (xpath itself is supported)', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].onSuccess[0].criteria[0] = { context: '$response.body', condition: 'for $s in //state return $s', type: 'xpath' };
    });
    const [problem] = problemsOf(file);
    expect(problem).toMatch(`${file} › ${place} › steps[pollOrder] › onSuccess[0] › criteria[0] › condition: "for $s in //state return $s" is not an XPath expression this compiler can evaluate`);
  });

  it('dependsOn naming a workflow the document does not have', () => {
    const file = variant((d) => {
      d.workflows[0].dependsOn = ['other'];
    });
    expect(problemsOf(file)[0]).toMatch(`${file} › ${place} › dependsOn[0]: "other" is not a workflow of ${file}`);
  });

  it('a step that runs a workflow the document does not have', () => {
    const file = variant((d) => {
      d.workflows[0].steps[0] = { stepId: 'createOrder', workflowId: 'other', outputs: { orderId: '$outputs.id' } };
    });
    expect(problemsOf(file)).toContainEqual(expect.stringContaining(
      `${file} › ${place} › steps[createOrder] › workflowId: "other" is not a workflow of ${file}; its workflows are "${place.slice('workflows['.length, -1)}"`,
    ));
  });

  it('an action that transfers to a workflow the document does not have', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].onSuccess[0] = { name: 'elsewhere', type: 'goto', workflowId: 'other' };
    });
    expect(problemsOf(file)[0]).toMatch(`${file} › ${place} › steps[pollOrder] › onSuccess[0] › workflowId: "other" is not a workflow of ${file}`);
  });

  it('a jsonpath condition of no accepted form', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].onSuccess[0].criteria[0].condition = "state == 'pending'";
    });
    expect(problemsOf(file)[0]).toMatch(
      `${file} › ${place} › steps[pollOrder] › onSuccess[0] › criteria[0] › condition: "state == 'pending'" is not JSONPath`,
    );
  });

  it('a criterion inside a reusable action', () => {
    const file = variant((d) => {
      d.components.successActions.done.criteria[0].type = 'javascript';
    });
    expect(problemsOf(file)[0]).toMatch(`${file} › ${place} › steps[pollOrder] › onSuccess[1] › criteria[0] › type: type must be simple`);
  });

  it('an operation that is not in the description, listing the known operationIds', () => {
    const file = variant((d) => {
      d.workflows[0].steps[0].operationId = 'placeOrder';
    });
    expect(problemsOf(file)[0]).toBe(
      `${file} › ${place} › steps[createOrder] › operationId: "placeOrder" is not an operationId in petStore; known operationIds: "createOrder", "getOrder", "getInventory"`,
    );
  });

  it('an operationPath pointing at nothing', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].operationPath = '{$sourceDescriptions.petStore.url}#/paths/~1orders/get';
    });
    expect(problemsOf(file)[0]).toMatch(`${file} › ${place} › steps[pollOrder] › operationPath: the pointer "#/paths/~1orders/get" names nothing`);
  });

  it('a path parameter the operation needs but no parameter supplies', () => {
    const file = variant((d) => {
      delete d.workflows[0].steps[1].parameters;
    });
    expect(problemsOf(file)[0]).toBe(
      `${file} › ${place} › steps[pollOrder] › parameters: GET /orders/{orderId} needs path parameter "orderId"; add { name: orderId, in: path, value: <expression> }`,
    );
  });

  it('a parameter without in', () => {
    const file = variant((d) => {
      delete d.workflows[0].steps[1].parameters[0].in;
    });
    expect(problemsOf(file)).toContainEqual(
      `${file} › ${place} › steps[pollOrder] › parameters[0] › in: is required for "orderId" because the step calls an API operation; give path, query, header or cookie`,
    );
  });

  it('expressions naming a step, output or input the workflow lacks', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].parameters[0].value = '$steps.create.outputs.orderId';
      d.workflows[0].outputs.state = '$steps.pollOrder.outputs.status';
      d.workflows[0].steps[0].requestBody.payload.petId = '$inputs.pet';
    });
    const problems = problemsOf(file);
    expect(problems).toContainEqual(expect.stringContaining(`steps[pollOrder] › parameters[0] › value: "$steps.create.outputs.orderId" names step "create"`));
    expect(problems).toContainEqual(expect.stringContaining(`${place} › outputs › state: "$steps.pollOrder.outputs.status": step pollOrder declares no output "status"; its outputs are "state"`));
    expect(problems).toContainEqual(expect.stringContaining(`steps[createOrder] › requestBody › payload: "$inputs.pet": input "pet" is not declared`));
  });

  it('a payload replacement target that is not a JSON Pointer, or an XPath target into an XML body that is not XML text', () => {
    const json = variant((d) => {
      d.workflows[0].steps[0].requestBody.replacements = [{ target: 'petId', value: 1 }];
    });
    expect(problemsOf(json)[0]).toMatch(`steps[createOrder] › requestBody › replacements[0] › target: "petId" is not a JSON Pointer`);
    const xml = variant((d) => {
      d.workflows[0].steps[0].requestBody.contentType = 'application/xml';
      d.workflows[0].steps[0].requestBody.replacements = [{ target: '/order/petId', value: 1 }];
    });
    expect(problemsOf(xml)[0]).toMatch(`replacements[0] › target: an XPath target needs an XML payload: a string payload with an XML contentType`);
  });

  it('duplicate stepIds, unknown fields and missing required fields, all in one error', () => {
    const file = variant((d) => {
      d.workflows[0].steps[1].stepId = 'createOrder';
      d.workflows[0].steps[0].sucessCriteria = d.workflows[0].steps[0].successCriteria;
      delete d.info.version;
    });
    let error: ArazzoDocumentError | undefined;
    try {
      loadArazzo(file, { allowRoots: [fixtures] });
    } catch (caught) {
      error = caught as ArazzoDocumentError;
    }
    expect(error?.location).toBe(file);
    expect(error?.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 3 problems:`));
    expect(error?.problems).toEqual([
      `${file} › info › version: is required`,
      `${file} › ${place} › steps[createOrder] › sucessCriteria: is not a field of the Arazzo step object; did you mean successCriteria? (allowed: stepId, description, operationId, operationPath, workflowId, parameters, requestBody, successCriteria, onSuccess, onFailure, outputs, or an x- extension)`,
      `${file} › ${place} › steps[createOrder] › stepId: "createOrder" is used by another step of this workflow; stepIds must be unique`,
    ]);
  });

  it('missing top-level fields and an unsupported Arazzo version', () => {
    const file = variant((d) => {
      d.arazzo = '2.0.0';
      delete d.workflows;
    });
    expect(problemsOf(file)).toEqual([
      `${file} › arazzo: "2.0.0" is not supported: this compiler reads Arazzo 1.0.x and 1.1.x (e.g. arazzo: 1.1.0)`,
      `${file} › workflows: is required (a non-empty list)`,
    ]);
  });

  it('a source description on the network that is not pinned', () => {
    const file = variant((d) => {
      d.sourceDescriptions[0].url = 'https://example.com/openapi.yml';
    });
    expect(problemsOf(file)[0]).toMatch(
      `${file} › sourceDescriptions[0] › url: https://example.com/openapi.yml is a remote source description and synth never reads the network;`,
    );
    expect(problemsOf(file)[0]).toMatch(/Fetch it once into a pinned copy with: npm run compile -- --pin-sources /);
  });

  it('a source description file that does not exist', () => {
    const file = variant((d) => {
      d.sourceDescriptions[0].url = 'missing.openapi.yml';
    });
    expect(problemsOf(file)[0]).toMatch(`${file} › sourceDescriptions[0] › url: "missing.openapi.yml" (${join(scratch, 'missing.openapi.yml')}): cannot read the source description "petStore" (no such file); check the path`);
  });

  it('checks only the chosen workflow when given one', () => {
    const file = variant((d) => {
      d.workflows.push({ workflowId: 'broken', steps: [{ stepId: 's', operationId: 'getOrder', parameters: [{ name: 'orderId', in: 'path', value: 1 }], onSuccess: [{ name: 'x', type: 'goto', stepId: 'nowhere' }] }] });
    });
    const loaded = loadArazzo(file, { allowRoots: [fixtures] });
    expect(() => validateForCompilation(loaded, 'place-order')).not.toThrow();
    expect(() => validateForCompilation(loaded, 'broken')).toThrow(/workflows\[broken\] › steps\[s\] › onSuccess\[0\] › stepId/);
    expect(() => validateForCompilation(loaded)).toThrow(/"nowhere"/);
  });
});
