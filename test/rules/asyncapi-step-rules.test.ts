/**
 * Rules of Arazzo 1.1 AsyncAPI steps at the document → compiler boundary (lib/arazzo/receive-steps.ts): which
 * steps are AsyncAPI steps, which references name an AsyncAPI operation, what a receive step may read, and what
 * it waits on. Each case edits the order-confirmation document (test/fixtures/receive) inside the test.
 */
import { describe, expect, it } from 'vitest';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import { resolveReceiveTarget } from '../../lib/arazzo/receive-steps.ts';
import { receiveDocumentProblems, receiveStepOf, withReceiveDocument } from '../support/receive-document.ts';

const NEEDS_RECEIVE = 'an AsyncAPI step needs action: receive (wait for a message on an HTTP webhook); action send is not supported';
const STRAY_CORRELATION_ID =
  'only a receive step (action: receive on an AsyncAPI operation or channel) matches a message by its correlationId; this step receives none, so remove it';
const NO_HTTP_CALL = 'a receive step makes no HTTP call; read what it received with $message.payload#/<pointer> or $message.header.<name>';

/** The problems when the receive step names what it waits on by `field` alone: no operationId, action or correlationId. */
const namedWithoutAction = (field: 'channelPath' | 'operationPath', reference: string) =>
  receiveDocumentProblems((document) => {
    const step = receiveStepOf(document);
    for (const other of ['operationId', 'action', 'correlationId']) delete step[other];
    step[field] = reference;
  });

describe('a step is an AsyncAPI step when it says action, channelPath or correlationId', () => {
  it('action: receive on an OpenAPI operation is refused at the operation, not called as an API step', () => {
    const problems = receiveDocumentProblems((document) => {
      receiveStepOf(document).operationId = '$sourceDescriptions.orders.getOrder';
      delete receiveStepOf(document).correlationId;
    });
    expect(problems).toEqual([
      'steps[awaitConfirmation] › operationId: "orders" is an OpenAPI source description; a receive step waits on a channel of an asyncapi one',
    ]);
  });

  it('a channelPath without action is refused at channelPath, asking for action: receive', () => {
    const problems = namedWithoutAction('channelPath', '{$sourceDescriptions.orderEvents.url}#/channels/orderEvents');
    expect(problems).toEqual([`steps[awaitConfirmation] › channelPath: ${NEEDS_RECEIVE}`]);
  });

  it('a correlationId on an OpenAPI operation step is refused at correlationId, saying only a receive step takes one; the step is checked as the API call it is', () => {
    const stray = receiveDocumentProblems((document) => (document.workflows[0].steps[2].correlationId = '$steps.place.outputs.orderId'));
    expect(stray).toEqual([`steps[readOrder] › correlationId: ${STRAY_CORRELATION_ID}`]);
    const unknownOperation = receiveDocumentProblems((document) => {
      Object.assign(document.workflows[0].steps[2], { correlationId: '$steps.place.outputs.orderId', operationId: '$sourceDescriptions.orders.readOrder' });
    });
    expect(unknownOperation).toEqual([
      'steps[readOrder] › operationId: "readOrder" is not an operationId in orders; known operationIds: "placeOrder", "getOrder"',
      `steps[readOrder] › correlationId: ${STRAY_CORRELATION_ID}`,
    ]);
  });
});

describe('an operationId or operationPath names an AsyncAPI operation only when it starts with its source', () => {
  it("the spec's own form $sourceDescriptions.<name>.<id>, as operationPath without action, is refused at operationPath asking for action: receive", () => {
    const problems = namedWithoutAction('operationPath', '$sourceDescriptions.orderEvents.sendOrderEvent');
    expect(problems).toEqual([`steps[awaitConfirmation] › operationPath: ${NEEDS_RECEIVE}`]);
  });

  it('an operationPath with text before {$sourceDescriptions…} is refused for its form, saying how it must start', () => {
    const problems = namedWithoutAction('operationPath', ' {$sourceDescriptions.orderEvents.url}#/operations/sendOrderEvent');
    expect(problems[0]).toBe(
      'steps[awaitConfirmation] › operationPath: " {$sourceDescriptions.orderEvents.url}#/operations/sendOrderEvent" must start with {$sourceDescriptions.<name>.url}, e.g. {$sourceDescriptions.api.url}#/paths/~1pets/get',
    );
    expect(problems.join('\n')).not.toContain(NEEDS_RECEIVE);
  });

  it('an operationPath pointer written as operationId is looked up as an operationId, listing the known ones', () => {
    const problems = receiveDocumentProblems((document) => {
      const step = receiveStepOf(document);
      for (const field of ['action', 'correlationId']) delete step[field];
      step.operationId = '{$sourceDescriptions.orderEvents.url}#/operations/sendOrderEvent';
    });
    expect(problems[0]).toBe(
      'steps[awaitConfirmation] › operationId: "{$sourceDescriptions.orderEvents.url}#/operations/sendOrderEvent" is not an operationId in orders; known operationIds: "placeOrder", "getOrder"',
    );
    expect(problems.join('\n')).not.toContain(NEEDS_RECEIVE);
  });
});

describe('a receive step', () => {
  it('without a correlationId is accepted on a channel whose messages declare no correlation ID', () => {
    const problems = receiveDocumentProblems(
      (document) => delete receiveStepOf(document).correlationId,
      (description) => delete description.components.messages.OrderEvent.correlationId,
    );
    expect(problems).toEqual([]);
  });

  it('reads no request, response, status, URL or method, even written with spaces around it, naming the output and what to read instead', () => {
    const problems = receiveDocumentProblems((document) => {
      Object.assign(receiveStepOf(document).outputs, { a: '$request.header.X-Id', b: '$response.body#/id', c: '$url', d: '$method', e: ' $statusCode ' });
    });
    expect(problems).toEqual([
      `steps[awaitConfirmation] › outputs › a: "$request.header.X-Id": ${NO_HTTP_CALL}`,
      `steps[awaitConfirmation] › outputs › b: "$response.body#/id": ${NO_HTTP_CALL}`,
      `steps[awaitConfirmation] › outputs › c: "$url": ${NO_HTTP_CALL}`,
      `steps[awaitConfirmation] › outputs › d: "$method": ${NO_HTTP_CALL}`,
      `steps[awaitConfirmation] › outputs › e: " $statusCode ": ${NO_HTTP_CALL}`,
    ]);
  });

  it('named by channelPath waits on that channel and names no AsyncAPI operation', () => {
    const target = withReceiveDocument(
      (document) => {
        delete receiveStepOf(document).operationId;
        receiveStepOf(document).channelPath = '{$sourceDescriptions.orderEvents.url}#/channels/orderEvents';
      },
      () => undefined,
      (file) => {
        const loaded = loadArazzo(file);
        const workflow = loaded.document.workflows[0]!;
        return resolveReceiveTarget(loaded, workflow, workflow.steps[1]!);
      },
    );
    expect(target).toMatchObject({ source: 'orderEvents', channel: { key: 'orderEvents' } });
    expect(target).not.toHaveProperty('operationId');
  });
});
