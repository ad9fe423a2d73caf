/**
 * Arazzo 1.1 receive steps at the document → compiler boundary: AsyncAPI source descriptions are read, a receive
 * step on an HTTP webhook channel is accepted, and everything else (send, a Kafka channel, a correlationId the
 * messages cannot carry, $message where there is no message) is refused at its document path with the fix.
 * Generic documents (an orders API and its order-event webhook), nothing Civitai-specific.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadArazzo, validateForCompilation } from '../lib/arazzo/load.ts';
import { projectRoot } from './support/compile-fixture.ts';

const fixtures = path.join(projectRoot, 'test/fixtures/receive');
const scratch = mkdtempSync(path.join(tmpdir(), 'arazzo-receive-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
for (const name of ['orders.openapi.yml']) copyFileSync(path.join(fixtures, name), path.join(scratch, name));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests
let count = 0;

/** The order-confirmation fixture and its AsyncAPI description, each after an edit, in a scratch directory. */
function variant(edit: (document: Json) => void, editAsyncApi: (description: Json) => void = () => undefined): string {
  const n = ++count;
  const description = parse(readFileSync(path.join(fixtures, 'order-events.asyncapi.yml'), 'utf8')) as Json;
  editAsyncApi(description);
  writeFileSync(path.join(scratch, `events-${n}.asyncapi.yml`), stringify(description));
  const document = parse(readFileSync(path.join(fixtures, 'order-confirmation.arazzo.yml'), 'utf8')) as Json;
  document.sourceDescriptions[1].url = `events-${n}.asyncapi.yml`;
  edit(document);
  const file = path.join(scratch, `variant-${n}.arazzo.yml`);
  writeFileSync(file, stringify(document));
  return file;
}

function problemsOf(file: string): string[] {
  try {
    validateForCompilation(loadArazzo(file));
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [String(error)];
  }
}

const receiveStep = (document: Json): Json => document.workflows[0].steps[1];
const at = (file: string, field = '') => `${file} › workflows[confirmOrder] › steps[awaitConfirmation]${field ? ` › ${field}` : ''}`;

describe('an AsyncAPI source description', () => {
  it('is read: its operations, channels, correlation ID location and declared headers', () => {
    const loaded = loadArazzo(path.join(fixtures, 'order-confirmation.arazzo.yml'));
    const description = loaded.sources.orderEvents!.asyncapi!;
    const operation = description.operations.sendOrderEvent!;
    expect(operation.action).toBe('send');
    expect(operation.channel.key).toBe('orderEvents');
    expect(operation.channel.notWebhook).toBeUndefined();
    expect(operation.messages).toEqual([{ name: 'orderEvent', correlation: { in: 'payload', pointer: '/orderId' }, headers: ['x-event-type'] }]);
  });

  it('must be AsyncAPI 3.x, naming the field and the fix', () => {
    const file = variant(() => undefined, (d) => (d.asyncapi = '2.6.0'));
    expect(() => loadArazzo(file)).toThrow(/events-\d+\.asyncapi\.yml › asyncapi: must be an AsyncAPI 3\.x version \(found "2\.6\.0"\); convert the description to AsyncAPI 3\.0/);
  });

  it('follows references only inside the description', () => {
    const file = variant(() => undefined, (d) => (d.channels.orderEvents.messages.orderEvent.$ref = 'https://evil.example/messages.yml#/OrderEvent'));
    expect(() => loadArazzo(file)).toThrow(/channels › orderEvents › messages › orderEvent › \$ref: "https:\/\/evil\.example\/messages\.yml#\/OrderEvent" points outside the description/);
  });

  it('refuses a correlation ID location that is not a $message runtime expression', () => {
    const file = variant(() => undefined, (d) => (d.components.messages.OrderEvent.correlationId.location = '$.orderId'));
    expect(() => loadArazzo(file)).toThrow(/correlationId › location: must be a runtime expression \$message\.payload#\/<json-pointer> or \$message\.header#\/<name>/);
  });

  it('is read through the file gate: a description outside the document\'s directory is refused', () => {
    const file = variant((d) => (d.sourceDescriptions[1].url = '/etc/hostname'));
    expect(() => loadArazzo(file)).toThrow(/sourceDescriptions\[1\] › url: .*is outside the directories the compiler may read/);
  });
});

describe('a receive step', () => {
  it('on an HTTP webhook, with correlationId, timeout, $message criteria and outputs, is accepted', () => {
    expect(problemsOf(path.join(fixtures, 'order-confirmation.arazzo.yml'))).toEqual([]);
  });

  it('may name its channel with channelPath, or the operation with an operationPath pointer', () => {
    const byChannel = variant((d) => {
      delete receiveStep(d).operationId;
      receiveStep(d).channelPath = '{$sourceDescriptions.orderEvents.url}#/channels/orderEvents';
    });
    expect(problemsOf(byChannel)).toEqual([]);
    const byPointer = variant((d) => {
      delete receiveStep(d).operationId;
      receiveStep(d).operationPath = '{$sourceDescriptions.orderEvents.url}#/operations/sendOrderEvent';
    });
    expect(problemsOf(byPointer)).toEqual([]);
  });

  it('send is refused, saying this runner only receives', () => {
    const file = variant((d) => (receiveStep(d).action = 'send'));
    expect(problemsOf(file)).toEqual([
      `${at(file, 'action')}: action send (publishing an AsyncAPI message) is not supported: this runner waits for messages (action: receive on an HTTP webhook) but publishes none; call the API through an OpenAPI operation instead`,
    ]);
  });

  it('an AsyncAPI operation named without action is refused at the field that names it', () => {
    const file = variant((d) => {
      delete receiveStep(d).action;
      delete receiveStep(d).correlationId;
    });
    expect(problemsOf(file)).toEqual([
      `${at(file, 'operationId')}: an AsyncAPI step needs action: receive (wait for a message on an HTTP webhook); action send is not supported`,
    ]);
  });

  it('on a channel that is not an HTTP webhook (Kafka) is refused, naming the protocol', () => {
    const file = variant(
      () => undefined,
      (d) => {
        d.servers = { broker: { host: 'kafka.example.test:9092', protocol: 'kafka' } };
        delete d.channels.orderEvents.bindings;
        delete d.operations.sendOrderEvent.bindings;
      },
    );
    expect(problemsOf(file)).toEqual([
      `${at(file, 'operationId')}: channel orderEvents of orderEvents is not an HTTP webhook: its messages travel over kafka (server protocol), not HTTP. Only a message POSTed to this deployment's callback route can wake a run`,
    ]);
  });

  it('on a channel that does not say it is HTTP is refused, saying how to say so', () => {
    const file = variant(
      () => undefined,
      (d) => {
        delete d.channels.orderEvents.bindings;
        delete d.operations.sendOrderEvent.bindings;
      },
    );
    expect(problemsOf(file).join('\n')).toContain('nothing says it is an HTTP webhook; add bindings: { http: {} } to the channel');
  });

  it('with a correlationId its messages cannot carry is refused at correlationId', () => {
    const file = variant(() => undefined, (d) => delete d.components.messages.OrderEvent.correlationId);
    expect(problemsOf(file)).toEqual([
      `${at(file, 'correlationId')}: the messages of channel orderEvents in orderEvents declare no correlationId.location, so no message can be matched to it; declare correlationId: { location: $message.payload#/<pointer> } on the message, or remove correlationId`,
    ]);
  });

  it('sends nothing: parameters and a requestBody are refused', () => {
    const file = variant((d) => {
      receiveStep(d).parameters = [{ name: 'X-Trace', in: 'header', value: 'x' }];
      receiveStep(d).requestBody = { payload: { a: 1 } };
    });
    expect(problemsOf(file)).toEqual([
      `${at(file, 'parameters')}: a receive step sends nothing, so it takes no parameters or requestBody; remove it`,
      `${at(file, 'requestBody')}: a receive step sends nothing, so it takes no parameters or requestBody; remove it`,
    ]);
  });

  it('naming an operation or channel the description lacks is refused, listing what it has', () => {
    const file = variant((d) => (receiveStep(d).operationId = '$sourceDescriptions.orderEvents.confirm'));
    expect(problemsOf(file)).toEqual([`${at(file, 'operationId')}: orderEvents has no operation "confirm"; its operations are "sendOrderEvent"`]);
    const channel = variant((d) => {
      delete receiveStep(d).operationId;
      receiveStep(d).channelPath = '{$sourceDescriptions.orderEvents.url}#/channels/confirmations';
    });
    expect(problemsOf(channel)).toEqual([`${at(channel, 'channelPath')}: orderEvents has no channel "confirmations"; its channels are "orderEvents"`]);
  });

  it('on an OpenAPI source is refused: receive waits on an asyncapi source', () => {
    const file = variant((d) => (receiveStep(d).operationId = '$sourceDescriptions.orders.getOrder'));
    expect(problemsOf(file)).toEqual([`${at(file, 'operationId')}: "orders" is an OpenAPI source description; a receive step waits on a channel of an asyncapi one`]);
  });

  it('reads no HTTP response, and its correlationId must name a step that has run', () => {
    const file = variant((d) => {
      receiveStep(d).outputs.code = '$statusCode';
      receiveStep(d).correlationId = '$steps.readOrder.outputs.status';
    });
    const problems = problemsOf(file);
    expect(problems).toContain(`${at(file, 'outputs › code')}: "$statusCode": a receive step makes no HTTP call; read what it received with $message.payload#/<pointer> or $message.header.<name>`);
    expect(problems.join('\n')).toContain('reads the outputs of step readOrder, which comes later in the steps list');
  });
});

describe('$message outside a receive step', () => {
  it('is refused in an operation step and in workflow outputs', () => {
    const file = variant((d) => {
      d.workflows[0].steps[2].outputs.event = '$message.payload#/status';
      d.workflows[0].outputs.event = '$message.payload#/status';
    });
    expect(problemsOf(file)).toEqual([
      `${file} › workflows[confirmOrder] › steps[readOrder] › outputs › event: "$message.payload#/status": only a receive step (action: receive) has a message; read it there and pass it on with an output`,
      `${file} › workflows[confirmOrder] › outputs › event: "$message.payload#/status": workflow outputs are computed after the steps, with no request, response or message; use $steps.<stepId>.outputs.<name>`,
    ]);
  });
});
