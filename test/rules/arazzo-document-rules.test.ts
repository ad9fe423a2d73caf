/**
 * Rules of the document → compiler boundary (lib/arazzo structure and compilation checks): what a document may
 * say, and the problem that names the field and the fix when it says something else. Each case edits a sound
 * document in memory inside its own test.
 */
import { describe, expect, it } from 'vitest';
import { ArazzoDocumentError, loadArazzo, validateForCompilation, type LoadedArazzo } from '../../lib/arazzo/load.ts';
import { findWorkflow, listOrNone } from '../../lib/arazzo/lookups.ts';
import { checkArazzoStructure } from '../../lib/arazzo/structure.ts';
import type { Step, Workflow } from '../../lib/arazzo/types.ts';
import { fixture, projectRoot } from '../support/compile-fixture.ts';

type Edit = (workflow: Workflow, step: (id: string) => Step, loaded: LoadedArazzo) => void;

/** The problems validateForCompilation reports after one edit, each relative to the workflow. */
function problemsOf(loaded: LoadedArazzo, edit: Edit): string[] {
  const workflow = loaded.document.workflows[0];
  edit(workflow, (id) => workflow.steps.find((s) => s.stepId === id)!, loaded);
  try {
    validateForCompilation(loaded);
    return [];
  } catch (error) {
    if (!(error instanceof ArazzoDocumentError)) throw error;
    return error.problems.map((p) => p.replace(/^.*?\.arazzo\.yml › (workflows\[[^\]]+\] › )?/, ''));
  }
}

const shopProblems = (edit: Edit) => problemsOf(loadArazzo(fixture('shop-order.arazzo.yml')), edit);
const receiveProblems = (edit: Edit) => problemsOf(loadArazzo(`${projectRoot}/test/fixtures/receive/order-confirmation.arazzo.yml`), edit);

describe('compilation checks', () => {
  it('a structural problem is reported before anything is compiled', () => {
    expect(shopProblems((_w, step) => Object.assign(step('create'), { operationRef: 'x' }))).toEqual([
      expect.stringMatching(/^steps\[create\] › operationRef: /),
    ]);
  });

  it('a fault in a look-up that is not a document problem propagates as it is', () => {
    expect(() =>
      shopProblems((w, _step, loaded) => {
        w.dependsOn = ['$sourceDescriptions.shop.other'];
        Object.defineProperty(loaded.sources, 'shop', {
          get() {
            throw new RangeError('source store unavailable');
          },
        });
      }),
    ).toThrow('source store unavailable');
  });

  it('workflow inputs that are not a valid JSON Schema are refused, naming inputs', () => {
    const properties = { token: { type: 'string' }, item: { type: 'string' }, count: { type: 'integer', minimum: 'one' } };
    expect(shopProblems((w) => (w.inputs = { type: 'object', properties }))).toEqual([
      expect.stringMatching(/^inputs: is not a valid JSON Schema \(draft 2020-12\): .*minimum/),
    ]);
  });

  it('a workflow parameter needs "in", since workflow parameters apply to operation steps', () => {
    expect(shopProblems((w) => (w.parameters = [{ name: 'X-Trace', value: 'on' }]))).toEqual([
      'parameters[0] › in: is required for "X-Trace" because workflow parameters apply to operation steps; give path, query, header or cookie',
    ]);
  });

  it('a parameter that references a missing component is reported once, at its reference', () => {
    expect(shopProblems((w) => (w.parameters = [{ reference: '$components.parameters.ghost' }]))).toEqual([
      'parameters[0] › reference: "$components.parameters.ghost" names nothing; components.parameters has "token"',
    ]);
  });

  it('a retry failure action referenced among success actions is refused, at the workflow as at a step', () => {
    const message = 'retry is a failure action; use end or goto in onSuccess/successActions';
    const again = (loaded: LoadedArazzo) => {
      loaded.document.components!.failureActions!.again = { name: 'again', type: 'retry', retryAfter: 1 };
      return [{ reference: '$components.failureActions.again' }];
    };
    expect(shopProblems((w, _step, loaded) => (w.successActions = again(loaded)))).toEqual([`successActions[0] › type: ${message}`]);
    expect(shopProblems((_w, step, loaded) => (step('create').onSuccess = again(loaded)))).toEqual([`steps[create] › onSuccess[0] › type: ${message}`]);
    expect(shopProblems((w, _step, loaded) => (w.failureActions = again(loaded)))).toEqual([]);
  });

  it('an action that goes to a missing step names its list and the steps there are', () => {
    const message = '"ghost" is not a step of workflow place-order; steps are "create", "poll", "receipt"';
    expect(shopProblems((w) => (w.failureActions = [{ name: 'g', type: 'goto', stepId: 'ghost' }]))).toEqual([`failureActions[0] › stepId: ${message}`]);
    expect(shopProblems((_w, step) => (step('create').onFailure = [{ name: 'g', type: 'goto', stepId: 'ghost' }]))).toEqual([`steps[create] › onFailure[0] › stepId: ${message}`]);
  });

  it('a path parameter of the operation must be given in: path, not as a parameter of another location', () => {
    expect(shopProblems((_w, step) => (step('poll').parameters = [{ name: 'orderId', in: 'query', value: '$steps.create.outputs.orderId' }]))).toEqual([
      'steps[poll] › parameters: GET /orders/{orderId} needs path parameter "orderId"; add { name: orderId, in: path, value: <expression> }',
    ]);
  });

  it('an output that is not a runtime expression is refused, saying what an output is', () => {
    expect(shopProblems((_w, step) => (step('receipt').outputs = { total: 'total' }))).toEqual([
      'steps[receipt] › outputs › total: "total" is not a runtime expression: it must start with "$"; an output is a single runtime expression such as $response.body#/id',
    ]);
  });

  it('a workflow output cannot read the response: it is computed after the steps', () => {
    expect(shopProblems((w) => (w.outputs = { id: '$response.body#/id' }))).toEqual([
      'outputs › id: "$response.body#/id": workflow outputs are computed after the steps, with no request, response or message; use $steps.<stepId>.outputs.<name>',
    ]);
  });

  it('the context of a Selector Object output is checked, named as the output\'s context', () => {
    const selector = { context: '$steps.ghost.outputs.all', selector: '/0', type: 'jsonpointer' as const };
    const missing = '"$steps.ghost.outputs.all" names step "ghost", which is not in workflow place-order; steps are "create", "poll", "receipt"';
    const version = (loaded: LoadedArazzo) => (loaded.document.arazzo = '1.1.0');
    expect(shopProblems((w, _step, loaded) => (version(loaded), (w.outputs = { first: selector })))).toEqual([`outputs › first › context: ${missing}`]);
    expect(shopProblems((_w, step, loaded) => (version(loaded), (step('receipt').outputs = { total: '$response.body#/total', first: selector })))).toEqual([
      `steps[receipt] › outputs › first › context: ${missing}`,
    ]);
  });

  it('$workflows.<id> must name a workflow of the document, listing them', () => {
    expect(shopProblems((_w, step) => (step('create').requestBody = { payload: { from: '$workflows.ghost.outputs.id' } }))).toEqual([
      'steps[create] › requestBody › payload: "$workflows.ghost.outputs.id" names workflow "ghost", which is not in the document; its workflows are "place-order"',
    ]);
  });

  it('a JSON payload written as text must be JSON once its expressions are filled in', () => {
    const problems = shopProblems((_w, step) => (step('create').requestBody = { contentType: 'application/json', payload: '{"item": {$inputs.item}' }));
    expect(problems).toEqual([expect.stringMatching(/^steps\[create\] › requestBody › payload: /)]);
  });

  it('a receive step\'s correlationId is checked like any value, at correlationId', () => {
    expect(receiveProblems((_w, step) => (step('awaitConfirmation').correlationId = '$steps.ghost.outputs.orderId'))).toEqual([
      'steps[awaitConfirmation] › correlationId: "$steps.ghost.outputs.orderId" names step "ghost", which is not in workflow confirmOrder; steps are "place", "awaitConfirmation", "readOrder"',
    ]);
  });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests

/** The structural problems of a minimal sound document after one edit of its only step, as `location: message`. */
function structureProblems(arazzo: string, edit: (step: Json, workflow: Json) => void): string[] {
  const step: Json = { stepId: 'find', operationId: 'findPets' };
  const workflow: Json = { workflowId: 'w', steps: [step] };
  edit(step, workflow);
  const document = { arazzo, info: { title: 'Pets', version: '1' }, sourceDescriptions: [{ name: 'api', url: 'pets.yml' }], workflows: [workflow] };
  return checkArazzoStructure(document, 'doc.yml').map((p) => `${p.location.replace(/^doc\.yml › workflows\[w\] › /, '')}: ${p.message}`);
}

const STEP_FIELDS = 'stepId, description, operationId, operationPath, workflowId, parameters, requestBody, successCriteria, onSuccess, onFailure, outputs';

describe('document structure', () => {
  it('the document as written has no structural problem', () => {
    expect(structureProblems('1.0.1', () => undefined)).toEqual([]);
    expect(structureProblems('1.1.0', () => undefined)).toEqual([]);
  });

  it('an unknown field is refused with the allowed fields, suggesting a near one: two edits away, or another letter case', () => {
    const unknown = (key: string, suggestion?: string) =>
      `steps[find] › ${key}: is not a field of the Arazzo step object${suggestion ? `; did you mean ${suggestion}?` : ''} (allowed: ${STEP_FIELDS}, or an x- extension)`;
    expect(structureProblems('1.0.1', (step) => (step.sucessCritera = []))).toEqual([unknown('sucessCritera', 'successCriteria')]);
    expect(structureProblems('1.0.1', (step) => (step.SUCCESSCRITERIA = []))).toEqual([unknown('SUCCESSCRITERIA', 'successCriteria')]);
    expect(structureProblems('1.0.1', (step) => (step.onFeilor = []))).toEqual([unknown('onFeilor')]);
  });

  it('a replacement that is not an object is refused once, as such', () => {
    expect(structureProblems('1.0.1', (step) => (step.requestBody = { payload: {}, replacements: ['/a', null] }))).toEqual([
      'steps[find] › requestBody › replacements[0]: must be an object (replacement)',
      'steps[find] › requestBody › replacements[1]: must be an object (replacement)',
    ]);
  });

  it('a 1.1 step timeout is a positive whole number of milliseconds', () => {
    for (const timeout of [0, -5, 1.5, '600']) {
      expect(structureProblems('1.1.0', (step) => (step.timeout = timeout)), String(timeout)).toEqual([
        'steps[find] › timeout: must be a positive whole number of milliseconds',
      ]);
    }
    expect(structureProblems('1.1.0', (step) => (step.timeout = 600000))).toEqual([]);
  });

  it('a 1.1 step dependsOn lists stepIds', () => {
    expect(structureProblems('1.1.0', (step) => (step.dependsOn = ['other', 3]))).toEqual(['steps[find] › dependsOn[1]: must be a stepId (string)']);
  });

  it('a criterion type object has a type and a version, and no other field', () => {
    expect(structureProblems('1.0.1', (step) => (step.successCriteria = [{ condition: '$', context: '$response.body', type: { version: 'rfc9535', flavour: 'x' } }]))).toEqual([
      'steps[find] › successCriteria[0] › type › flavour: is not a field of the Arazzo criterionType object (allowed: type, version, or an x- extension)',
      'steps[find] › successCriteria[0] › type › type: is required',
    ]);
  });

  it('an output is a runtime expression; in 1.1 it may be a Selector Object instead', () => {
    const selector = { context: '$response.body', selector: '/id', type: 'jsonpointer' };
    expect(structureProblems('1.0.1', (step) => (step.outputs = { id: selector }))).toEqual(['steps[find] › outputs › id: must be a runtime expression (string), e.g. $response.body#/id']);
    expect(structureProblems('1.1.0', (step) => (step.outputs = { id: 5 }))).toEqual([
      'steps[find] › outputs › id: must be a runtime expression (string), e.g. $response.body#/id, or a Selector Object',
    ]);
    expect(structureProblems('1.1.0', (step) => (step.outputs = { id: selector }))).toEqual([]);
  });

  it('a Selector Object output needs its context, selector and type, and has no other field', () => {
    expect(structureProblems('1.1.0', (_step, workflow) => (workflow.outputs = { id: { pick: 'x' } }))).toEqual([
      'outputs › id › pick: is not a field of the Arazzo selector object (allowed: context, selector, type, or an x- extension)',
      'outputs › id › context: is required',
      'outputs › id › selector: is required',
      'outputs › id › type: is required (jsonpath, xpath or jsonpointer)',
    ]);
  });
});

describe('look-ups', () => {
  it('an unknown workflowId is refused at workflows, listing the ids', () => {
    const loaded = loadArazzo(fixture('shop-order.arazzo.yml'));
    loaded.document.workflows.push({ ...loaded.document.workflows[0], workflowId: 'refund' });
    expect(() => findWorkflow(loaded, 'ghost')).toThrow(/› workflows: has no workflow "ghost"; choose one of "place-order", "refund"$/);
  });

  it('an operationPath may start with its source description\'s url as written or as resolved', () => {
    for (const base of ['./shop-openapi.yml', 'resolved']) {
      const problems = shopProblems((_w, step, loaded) => {
        step('receipt').operationPath = `${base === 'resolved' ? loaded.sources.shop.url : base}#/paths/~1orders~1{orderId}/get`;
        delete step('receipt').operationId;
      });
      expect(problems, base).toEqual([]);
    }
  });

  it('an operationPath pointer that is not valid percent-encoding is read as written', () => {
    const problems = shopProblems((_w, step) => {
      step('receipt').operationPath = '{$sourceDescriptions.shop.url}#/paths/%E0/get';
      delete step('receipt').operationId;
    });
    expect(problems).toEqual([expect.stringMatching(/^steps\[receipt\] › operationPath: .*\/paths\/%E0\/get/)]);
  });

  it('an unknown operationId lists the sources searched and the operationIds they have', () => {
    const problems = shopProblems((_w, step) => (step('receipt').operationId = 'nope'));
    expect(problems).toEqual([expect.stringMatching(/^steps\[receipt\] › operationId: "nope" is not an operationId in shop; known operationIds: "/)]);
  });

  it('a list of names shows at most 30, and says none when empty', () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `n${i}`);
    expect(listOrNone([])).toBe('none');
    expect(listOrNone(names(30))).toBe(names(30).map((n) => `"${n}"`).join(', '));
    expect(listOrNone(names(31))).toBe(`${names(30).map((n) => `"${n}"`).join(', ')}, …`);
  });
});
