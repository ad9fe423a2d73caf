/**
 * The document → compiler boundary: every structural mistake in an Arazzo document is reported with its
 * document path and the fix, and a sound document reports nothing. One edit of a sound document per case.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkArazzoStructure } from '../../lib/arazzo/structure.ts';
import { fixture } from '../support/compile-fixture.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests
const sound = parse(readFileSync(fixture('shop-order.arazzo.yml'), 'utf8')) as Json;

/** The problems of the sound document after one edit, each as "location: message". */
function problemsAfter(edit: (document: Json) => void): string[] {
  const document = structuredClone(sound);
  edit(document);
  return checkArazzoStructure(document, 'doc.yml').map((p) => `${p.location}: ${p.message}`);
}
const step = (document: Json, stepId: string): Json => (document.workflows[0].steps as Json[]).find((s) => s.stepId === stepId)!;
const W = 'doc.yml › workflows[place-order]';

describe('a sound document', () => {
  it('has no structural problem', () => {
    expect(problemsAfter(() => undefined)).toEqual([]);
  });
});

describe('the document is refused, naming the path and the fix, when', () => {
  const cases: Array<[string, (d: Json) => void, string]> = [
    ['arazzo is missing', (d) => delete d.arazzo, 'doc.yml › arazzo: is required: the Arazzo version, e.g. arazzo: 1.1.0'],
    ['arazzo is a number', (d) => (d.arazzo = 1), 'doc.yml › arazzo: 1 is not supported: this compiler reads Arazzo 1.0.x and 1.1.x (e.g. arazzo: 1.1.0)'],
    ['arazzo is another version', (d) => (d.arazzo = '1.2.0'), 'doc.yml › arazzo: "1.2.0" is not supported: this compiler reads Arazzo 1.0.x and 1.1.x (e.g. arazzo: 1.1.0)'],
    ['info is missing', (d) => delete d.info, 'doc.yml › info: is required (title and version)'],
    ['info.title is missing', (d) => delete d.info.title, 'doc.yml › info › title: is required'],
    ['a version is a number', (d) => (d.info.version = 2), 'doc.yml › info › version: must be a string (quote it in YAML)'],
    ['a summary is a list', (d) => (d.info.summary = ['x']), 'doc.yml › info › summary: must be a string'],
    ['a field is misspelt', (d) => (d.workflows[0].steps[0].sucessCriteria = []), `${W} › steps[create] › sucessCriteria: is not a field of the Arazzo step object; did you mean successCriteria? (allowed: stepId, description, operationId, operationPath, workflowId, parameters, requestBody, successCriteria, onSuccess, onFailure, outputs, or an x- extension)`],
    ['a field differs only in case', (d) => (d.info.Title = 'x'), 'doc.yml › info › Title: is not a field of the Arazzo info object; did you mean title? (allowed: title, summary, description, version, or an x- extension)'],
    ['a field is unknown and like none', (d) => (d.info.colour = 'x'), 'doc.yml › info › colour: is not a field of the Arazzo info object (allowed: title, summary, description, version, or an x- extension)'],
    ['sourceDescriptions is empty', (d) => (d.sourceDescriptions = []), 'doc.yml › sourceDescriptions: must list at least one entry'],
    ['workflows is missing', (d) => delete d.workflows, 'doc.yml › workflows: is required (a non-empty list)'],
    ['workflows is an object', (d) => (d.workflows = { a: 1 }), 'doc.yml › workflows: must be a list'],
    ['a source description is a string', (d) => (d.sourceDescriptions[0] = 'shop'), 'doc.yml › sourceDescriptions[0]: must be an object (sourceDescription)'],
    ['two source descriptions share a name', (d) => d.sourceDescriptions.push({ ...d.sourceDescriptions[0] }), 'doc.yml › sourceDescriptions[1] › name: "shop" is used by another source description; names must be unique'],
    ['a source name has a space', (d) => (d.sourceDescriptions[0].name = 'my shop'), 'doc.yml › sourceDescriptions[0] › name: "my shop" must use only letters, digits, _ and -'],
    ['a source type is unknown', (d) => (d.sourceDescriptions[0].type = 'asyncapi'), 'doc.yml › sourceDescriptions[0] › type: "asyncapi" must be openapi or arazzo'],
    ['two workflows share an id', (d) => d.workflows.push(structuredClone(d.workflows[0])), `${W} › workflowId: "place-order" is used by another workflow; workflowIds must be unique`],
    ['workflow inputs are not an object', (d) => (d.workflows[0].inputs = 'none'), `${W} › inputs: must be a JSON Schema object (type: object with properties)`],
    ['dependsOn holds a number', (d) => (d.workflows[0].dependsOn = [3]), `${W} › dependsOn[0]: must be a workflowId (string)`],
    ['two steps share an id', (d) => d.workflows[0].steps.push({ ...d.workflows[0].steps[0] }), `${W} › steps[create] › stepId: "create" is used by another step of this workflow; stepIds must be unique`],
    ['a step calls nothing', (d) => delete step(d, 'create').operationId, `${W} › steps[create]: needs one of operationId, operationPath or workflowId saying what the step calls`],
    ['a step calls two things', (d) => (step(d, 'create').workflowId = 'other'), `${W} › steps[create]: has operationId and workflowId; give exactly one of operationId, operationPath or workflowId`],
    ['a replacement has no value', (d) => (step(d, 'create').requestBody = { payload: {}, replacements: [{ target: '/a' }] }), `${W} › steps[create] › requestBody › replacements[0] › value: is required`],
    ['a parameter has no value', (d) => (step(d, 'create').parameters = [{ name: 'x', in: 'query' }]), `${W} › steps[create] › parameters[0] › value: is required (a literal or a runtime expression)`],
    ['a parameter is in the body', (d) => (step(d, 'create').parameters = [{ name: 'x', in: 'body', value: 1 }]), `${W} › steps[create] › parameters[0] › in: "body" must be path, query, header or cookie`],
    ['a reference points outside components', (d) => (step(d, 'create').parameters = [{ reference: '$inputs.token' }]), `${W} › steps[create] › parameters[0] › reference: "$inputs.token" must be $components.parameters.<name>, $components.successActions.<name> or $components.failureActions.<name>`],
    ['a goto names no target', (d) => (step(d, 'poll').onSuccess = [{ name: 'again', type: 'goto' }]), `${W} › steps[poll] › onSuccess[0]: a goto action needs stepId (the step to go to)`],
    ['an action has stepId and workflowId', (d) => (step(d, 'poll').onSuccess = [{ name: 'a', type: 'goto', stepId: 'poll', workflowId: 'w' }]), `${W} › steps[poll] › onSuccess[0]: has both stepId and workflowId; give one`],
    ['a success action retries', (d) => (step(d, 'poll').onSuccess = [{ name: 'a', type: 'retry' }]), `${W} › steps[poll] › onSuccess[0] › type: "retry" must be end or goto`],
    ['a failure action has another type', (d) => (step(d, 'poll').onFailure = [{ name: 'a', type: 'wait' }]), `${W} › steps[poll] › onFailure[0] › type: "wait" must be end, goto or retry`],
    ['retryAfter is negative', (d) => (step(d, 'poll').onFailure = [{ name: 'a', type: 'retry', retryAfter: -1 }]), `${W} › steps[poll] › onFailure[0] › retryAfter: must be a non-negative number of seconds`],
    ['retryAfter is text', (d) => (step(d, 'poll').onFailure = [{ name: 'a', type: 'retry', retryAfter: '5' }]), `${W} › steps[poll] › onFailure[0] › retryAfter: must be a non-negative number of seconds`],
    ['retryLimit is a fraction', (d) => (step(d, 'poll').onFailure = [{ name: 'a', type: 'retry', retryLimit: 1.5 }]), `${W} › steps[poll] › onFailure[0] › retryLimit: must be a non-negative integer`],
    ['retryLimit is negative', (d) => (step(d, 'poll').onFailure = [{ name: 'a', type: 'retry', retryLimit: -1 }]), `${W} › steps[poll] › onFailure[0] › retryLimit: must be a non-negative integer`],
    ['a criterion type object lacks its version', (d) => (step(d, 'create').successCriteria = [{ condition: '$', context: '$response.body', type: { type: 'jsonpath' } }]), `${W} › steps[create] › successCriteria[0] › type › version: is required`],
    ['a criterion type is a number', (d) => (step(d, 'create').successCriteria = [{ condition: '$', type: 3 }]), `${W} › steps[create] › successCriteria[0] › type: must be a string (quote it in YAML)`],
    ['an output name has a space', (d) => (step(d, 'create').outputs = { 'order id': '$response.body#/id' }), `${W} › steps[create] › outputs › order id: output names may use only letters, digits, ., - and _`],
    ['an output is not an expression', (d) => (d.workflows[0].outputs = { total: 3 }), `${W} › outputs › total: must be a runtime expression (string), e.g. $response.body#/id`],
    ['outputs are a list', (d) => (d.workflows[0].outputs = ['a']), `${W} › outputs: must be a map of names to values`],
    ['a component name has a slash', (d) => (d.components.parameters['a/b'] = { name: 'x', in: 'query', value: 1 }), 'doc.yml › components › parameters › a/b: component names may use only letters, digits, ., - and _'],
    ['a component input is not a schema', (d) => (d.components.inputs = { note: 'text' }), 'doc.yml › components › inputs › note: must be a JSON Schema object'],
    ['a component parameter lacks its value', (d) => delete d.components.parameters.token.value, 'doc.yml › components › parameters › token › value: is required (a literal or a runtime expression)'],
    ['a component failure action has a bad type', (d) => (d.components.failureActions.giveUp.type = 'stop'), 'doc.yml › components › failureActions › giveUp › type: "stop" must be end, goto or retry'],
    ['a component success action may not retry', (d) => (d.components.successActions.abandoned.type = 'retry'), 'doc.yml › components › successActions › abandoned › type: "retry" must be end or goto'],
  ];

  for (const [what, edit, problem] of cases) {
    it(what, () => {
      expect(problemsAfter(edit)).toContain(problem);
    });
  }

  it('it is not an object at all', () => {
    expect(checkArazzoStructure(['a list'], 'doc.yml').map((p) => `${p.location}: ${p.message}`)).toEqual(['doc.yml: must be an object (document)']);
  });

  it('x- extensions are allowed anywhere', () => {
    expect(problemsAfter((d) => ((d['x-owner'] = 'team'), (step(d, 'create')['x-note'] = 1)))).toEqual([]);
  });

  it('a workflow without an id is named by its index', () => {
    expect(problemsAfter((d) => delete d.workflows[0].workflowId)).toContain('doc.yml › workflows[0] › workflowId: is required');
  });
});
