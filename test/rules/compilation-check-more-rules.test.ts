/**
 * More checks a loaded document passes before it compiles: which expressions in criteria, outputs and the
 * values of a workflow step are followed to the step, output or input they name, and when `$inputs.<name>`
 * must be a declared input. Each case edits the sound shop-order document in memory and reads the problems.
 */
import { describe, expect, it } from 'vitest';
import type { Criterion, Workflow } from '../../lib/arazzo/types.ts';
import { shopOrderProblems as problemsOf } from '../support/shop-order-problems.ts';

const ghostMessage = (expression: string) =>
  `"${expression}" names step "ghost", which is not in workflow place-order; steps are "create", "poll", "receipt"`;

/** The problems when `criterion` is the only success criterion of step create. */
const criterionProblems = (criterion: Criterion) => problemsOf(({ step }) => (step('create').successCriteria = [criterion]));

describe('the expressions of a criterion name steps that exist', () => {
  it('a simple condition, with or without type: simple, is read for the expressions it compares', () => {
    for (const type of [undefined, 'simple'] as const) {
      expect(criterionProblems({ condition: '$steps.ghost.outputs.x == 1', ...(type ? { type } : {}) }), String(type)).toEqual([
        `steps[create] › successCriteria[0]: ${ghostMessage('$steps.ghost.outputs.x')}`,
      ]);
    }
    expect(criterionProblems({ condition: '$steps.create.outputs.orderId == 1' })).toEqual([]);
  });

  it('a jsonpath or regex condition is read for the {$…} expressions embedded in it', () => {
    expect(criterionProblems({ context: '$response.body', type: 'jsonpath', condition: '$[?(@.id == {$steps.ghost.outputs.x})]' })).toEqual([
      `steps[create] › successCriteria[0]: ${ghostMessage('$steps.ghost.outputs.x')}`,
    ]);
    expect(criterionProblems({ context: '$statusCode', type: 'regex', condition: '^{$steps.ghost.outputs.x}$' })).toEqual([
      `steps[create] › successCriteria[0]: ${ghostMessage('$steps.ghost.outputs.x')}`,
    ]);
  });

  it('the context of a criterion is read too, even when written with spaces around it', () => {
    for (const context of ['$steps.ghost.outputs.x', '  $steps.ghost.outputs.x ']) {
      expect(criterionProblems({ context, type: 'regex', condition: '^ok$' }), context).toEqual([
        `steps[create] › successCriteria[0]: ${ghostMessage(context)}`,
      ]);
    }
  });
});

describe('actions', () => {
  it('an action that references a missing component is reported, and the checks go on to the next problem', () => {
    const problems = problemsOf(({ step, workflow }) => {
      step('receipt').onSuccess = [{ reference: '$components.successActions.nowhere' }];
      workflow.outputs = { lost: '$outputs.missing' };
    });
    expect(problems).toEqual([
      'steps[receipt] › onSuccess[0] › reference: "$components.successActions.nowhere" names nothing; components.successActions has "abandoned"',
      'outputs › lost: "$outputs.missing": workflow place-order declares no output "missing"; its outputs are "lost"',
    ]);
  });
});

describe('workflow outputs are computed after the steps', () => {
  it('so they may not read any request, response, status, URL, method or message', () => {
    for (const expression of ['$request.header.X-Token', '$response.body#/id', '$statusCode', '$url', '$method', '$message.payload']) {
      expect(problemsOf(({ workflow }) => (workflow.outputs = { out: expression })), expression).toEqual([
        `outputs › out: "${expression}": workflow outputs are computed after the steps, with no request, response or message; use $steps.<stepId>.outputs.<name>`,
      ]);
    }
  });

  it('spaces around such an output do not let it through', () => {
    expect(problemsOf(({ workflow }) => (workflow.outputs = { out: ' $statusCode ' }))).toEqual([
      'outputs › out: " $statusCode ": workflow outputs are computed after the steps, with no request, response or message; use $steps.<stepId>.outputs.<name>',
    ]);
  });
});

describe('step outputs', () => {
  it('an output with spaces around an expression that names no step is still refused', () => {
    expect(problemsOf(({ step }) => (step('receipt').outputs = { total: ' $steps.ghost.outputs.x ' }))).toEqual([
      `steps[receipt] › outputs › total: ${ghostMessage(' $steps.ghost.outputs.x ')}`,
    ]);
  });

  it("$steps.<id>.outputs with no name reads the step's whole outputs and needs no declared name", () => {
    expect(problemsOf(({ workflow }) => (workflow.outputs = { all: '$steps.create.outputs' }))).toEqual([]);
    expect(problemsOf(({ workflow }) => (workflow.outputs = { all: '$steps.create.outputs#/orderId' }))).toEqual([]);
  });
});

describe('a step that runs a workflow makes no HTTP call', () => {
  const withWorkflowStep = (value: string) =>
    problemsOf(({ document, workflow }) => {
      document.workflows.push({ workflowId: 'child', steps: [{ stepId: 'only', operationId: 'getReceipt', parameters: [{ name: 'orderId', in: 'path', value: 'x' }] }] });
      workflow.steps.push({ stepId: 'sub', workflowId: 'child', outputs: { got: value } });
    });

  it('so its outputs may not read a request, response, URL or method', () => {
    for (const expression of ['$request.header.X-Token', '$response.body#/id', '$url', '$method']) {
      expect(withWorkflowStep(expression), expression).toEqual([
        `steps[sub] › outputs › got: "${expression}": a step that runs workflow child makes no HTTP call; read the workflow's outputs with $outputs.<name>`,
      ]);
    }
    expect(withWorkflowStep('$steps.create.outputs.orderId')).toEqual([]);
  });

  it('nor may the parameters it passes to the workflow, which are read when it starts', () => {
    const passing = (value: string) =>
      problemsOf(({ document, workflow }) => {
        document.workflows.push({ workflowId: 'child', steps: [{ stepId: 'only', operationId: 'getReceipt', parameters: [{ name: 'orderId', in: 'path', value: '$inputs.given' }] }] });
        workflow.steps.push({ stepId: 'sub', workflowId: 'child', parameters: [{ name: 'given', value }] });
      });
    for (const expression of ['$request.header.X-Token', '$response.body#/id', '$url', '$method']) {
      expect(passing(expression), expression).toEqual([
        `steps[sub] › parameters[0] › value: "${expression}": a step that runs workflow child makes no HTTP call; read the workflow's outputs with $outputs.<name>`,
      ]);
    }
    expect(passing('$steps.create.outputs.orderId')).toEqual([]);
  });
});

describe('$inputs.<name> must be a declared input when the inputs schema is closed', () => {
  const reading = (inputs: Workflow['inputs']) =>
    problemsOf(({ workflow }) => {
      if (inputs === undefined) delete workflow.inputs;
      else workflow.inputs = inputs;
      workflow.outputs = { echoed: '$inputs.extra' };
    });
  const properties = { token: { type: 'string' }, item: { type: 'string' }, count: { type: 'integer' } };

  it('a schema listing properties, and nothing that admits others, refuses an undeclared name', () => {
    expect(reading({ type: 'object', properties })).toEqual([
      `outputs › echoed: "$inputs.extra": input "extra" is not declared in workflow place-order's inputs.properties ("token", "item", "count"); declare it or fix the name`,
    ]);
    expect(reading({ type: 'object', properties, additionalProperties: false })).toHaveLength(1);
  });

  it('no inputs schema, or one that lists no properties, admits any name', () => {
    expect(reading(undefined)).toEqual([]);
    expect(reading({ type: 'object' })).toEqual([]);
  });

  it('properties: null is reported once, as an invalid schema, and reading an input from it is not a second problem', () => {
    expect(reading({ type: 'object', properties: null } as unknown as Workflow['inputs'])).toEqual([
      'inputs: is not a valid JSON Schema (draft 2020-12): schema is invalid: data/properties must be object',
    ]);
  });

  it('additionalProperties true or a schema, or patternProperties, admit undeclared names', () => {
    expect(reading({ type: 'object', properties, additionalProperties: true })).toEqual([]);
    expect(reading({ type: 'object', properties, additionalProperties: { type: 'string' } })).toEqual([]);
    expect(reading({ type: 'object', properties, patternProperties: { '^x': { type: 'string' } } })).toEqual([]);
  });
});
