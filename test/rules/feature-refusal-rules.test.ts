/**
 * Rules of the features a document may use that the compiler refuses, and of the Selector Objects (1.1) it
 * checks wherever a value may hold one (lib/arazzo/feature-refusals.ts): each refusal is at its document path,
 * with the reason and what to write instead. Each case edits the order-confirmation document (Arazzo 1.1,
 * test/fixtures/receive) inside the test.
 */
import { describe, expect, it } from 'vitest';
import { receiveDocumentProblems } from '../support/receive-document.ts';

const UNCLOSED = '"$[" is not an RFC 9535 JSONPath query (unclosed bracketed selection (\'$[\':2))';

describe("a workflow's own successActions and failureActions", () => {
  it('are checked like a step\'s: parameters without a workflowId, and a retry that first runs a step, are refused at their index with the fix', () => {
    const problems = receiveDocumentProblems((document) => {
      document.workflows[0].successActions = [{ name: 'tell', type: 'end', parameters: [{ name: 'x', value: 1 }] }];
      document.workflows[0].failureActions = [{ name: 'again', type: 'retry', stepId: 'place', retryLimit: 1 }];
    });
    expect(problems).toEqual([
      'successActions[0] › parameters: parameters are passed to a workflow named by workflowId; this action names none, so remove them',
      'failureActions[0]: a retry that first runs step place is not supported; retry the step itself, or goto that step and let it goto back',
    ]);
  });
});

describe('Selector Objects (1.1)', () => {
  it("in the workflow's outputs are checked, at outputs › <name> › selector", () => {
    const problems = receiveDocumentProblems((document) => {
      document.workflows[0].outputs.first = { context: '$steps.place.outputs.orderId', selector: '$[', type: 'jsonpath' };
    });
    expect(problems).toEqual([`outputs › first › selector: ${UNCLOSED}`]);
  });

  it('inside an array of a request payload are checked, at the index of the item in the array', () => {
    const problems = receiveDocumentProblems((document) => {
      document.workflows[0].steps[0].requestBody.payload.lines = ['gift', { context: '$inputs.item', selector: '$[', type: 'jsonpath' }];
    });
    expect(problems).toEqual([`steps[place] › requestBody › payload › lines › [1] › selector: ${UNCLOSED}`]);
  });

  it('are not looked for inside a null: a payload holding one is accepted', () => {
    const problems = receiveDocumentProblems((document) => {
      document.workflows[0].steps[0].requestBody.payload.note = null;
    });
    expect(problems).toEqual([]);
  });
});
