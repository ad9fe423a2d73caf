/**
 * Rules of the Arazzo document checks around steps, observed through their public functions on documents built
 * inside each test: how an AsyncAPI description is read (readAsyncApi), which channel a receive step waits on
 * (checkAsyncApiStep, resolveReceiveTarget), step order and workflow graphs, and the refused features.
 * Every error names the field and says the fix.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseMessageLocation, readAsyncApi } from '../../lib/arazzo/asyncapi.ts';
import { checkRefusedFeatures } from '../../lib/arazzo/feature-refusals.ts';
import { loadArazzo, type LoadedArazzo } from '../../lib/arazzo/load.ts';
import { checkStepOrder } from '../../lib/arazzo/step-order-checks.ts';
import { buildWorkflowGraph, loadedSourceDocument } from '../../lib/arazzo/workflow-graph.ts';
import { checkAsyncApiStep, resolveReceiveTarget } from '../../lib/arazzo/receive-steps.ts';
import type { Step, Workflow } from '../../lib/arazzo/types.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form documents in tests

const FILE = 'events.asyncapi.yml';

/** A small AsyncAPI 3 description: one HTTP webhook channel `orders` with one message, and a receive operation on it. */
function description(edit: (d: Json) => void = () => undefined): Json {
  const d: Json = {
    asyncapi: '3.0.0',
    channels: {
      orders: {
        address: '/hooks/orders',
        messages: { orderEvent: { $ref: '#/components/messages/OrderEvent' } },
        bindings: { http: {} },
      },
    },
    operations: {
      onOrder: { action: 'receive', channel: { $ref: '#/channels/orders' } },
    },
    components: {
      messages: {
        OrderEvent: {
          correlationId: { location: '$message.payload#/orderId' },
          headers: { type: 'object', properties: { 'X-Event-Type': { type: 'string' } } },
        },
      },
    },
  };
  edit(d);
  return d;
}

const read = (edit: (d: Json) => void) => readAsyncApi(description(edit), FILE);
const refusal = (edit: (d: Json) => void): string => {
  try {
    read(edit);
  } catch (error) {
    expect(error).toHaveProperty('name', 'ArazzoDocumentError');
    return (error as Error).message;
  }
  throw new Error('expected the description to be refused');
};

describe('an AsyncAPI description', () => {
  it('must be an object', () => {
    expect(() => readAsyncApi('asyncapi: 3.0.0', FILE)).toThrow(`${FILE}: is not an AsyncAPI description (expected an object)`);
  });

  it('must declare an AsyncAPI 3.x version string, quoting a version it refuses only when it looks like one', () => {
    const found = (version: unknown) => refusal((d) => (d.asyncapi = version)).match(/\(found (.*)\); convert the description to AsyncAPI 3\.0$/)?.[1];
    expect(refusal((d) => (d.asyncapi = '2.6.0'))).toBe(`${FILE} › asyncapi: must be an AsyncAPI 3.x version (found "2.6.0"); convert the description to AsyncAPI 3.0`);
    expect(found(['3.0.0'])).toBe('no 3.x version');
    expect(found(2)).toBe('no 3.x version');
    expect(found('13.0.0')).toBe('"13.0.0"');
    expect(found('10.1')).toBe('"10.1"');
    expect(found('2.10')).toBe('"2.10"');
    expect(found('v2.6.0')).toBe('no 3.x version');
    expect(found('2.6.0-beta')).toBe('no 3.x version');
    expect(found('3')).toBe('"3"');
    expect(read((d) => (d.asyncapi = '3.10.0')).version).toBe('3.10.0');
    expect(read((d) => (d.asyncapi = '3.0.12-rc1')).version).toBe('3.0.12-rc1');
  });

  it('reads a channel: its address (null when it has none), messages and server protocols', () => {
    const channel = read(() => undefined).channels.orders!;
    expect(channel).toEqual({
      key: 'orders',
      address: '/hooks/orders',
      messages: [{ name: 'orderEvent', correlation: { in: 'payload', pointer: '/orderId' }, headers: ['x-event-type'] }],
      protocols: [],
    });
    expect(read((d) => delete d.channels.orders.address).channels.orders!.address).toBeNull();
  });

  it('refuses a channel or message that is not an object, at its path', () => {
    expect(refusal((d) => (d.channels.orders = 'orders'))).toBe(`${FILE} › channels › orders: must be a Channel Object`);
    expect(refusal((d) => (d.channels.orders.messages.orderEvent = 'event'))).toBe(`${FILE} › channels › orders › messages › orderEvent: must be a Message Object`);
    expect(refusal((d) => (d.operations.onOrder.messages = ['event']))).toBe(`${FILE} › operations › onOrder › messages[0]: must be a Message Object`);
  });

  it('refuses an operation that is not an object or whose action is neither send nor receive, at its path', () => {
    expect(refusal((d) => (d.operations.onOrder = 'receive'))).toBe(`${FILE} › operations › onOrder: must be an Operation Object`);
    expect(refusal((d) => (d.operations.onOrder.action = 'publish'))).toBe(`${FILE} › operations › onOrder › action: must be send or receive`);
  });

  it('requires an operation to reference a channel of the description as #/channels/<name>', () => {
    const fix = `${FILE} › operations › onOrder › channel: must be a reference to a channel of this description, e.g. $ref: "#/channels/<name>"`;
    expect(refusal((d) => delete d.operations.onOrder.channel)).toBe(fix);
    expect(refusal((d) => (d.operations.onOrder.channel = { $ref: ['#/channels/orders'] }))).toBe(fix);
    expect(refusal((d) => (d.operations.onOrder.channel = { $ref: '#/components/messages/OrderEvent' }))).toBe(fix);
    expect(refusal((d) => (d.operations.onOrder.channel = { $ref: 'x#/channels/orders' }))).toBe(fix);
    expect(refusal((d) => (d.operations.onOrder.channel = { $ref: '#/channels/orders/messages' }))).toBe(fix);
    // No reference at all is refused even when a channel happens to be called "undefined".
    expect(refusal((d) => {
      d.channels.undefined = d.channels.orders;
      delete d.operations.onOrder.channel;
    })).toBe(fix);
  });

  it('decodes a channel reference: ~1 is "/", ~0 is "~", and %-escapes', () => {
    const operation = read((d) => {
      d.channels['a/b~c d'] = d.channels.orders;
      d.operations.onOrder.channel.$ref = '#/channels/a~1b~0c%20d';
    }).operations.onOrder!;
    expect(operation.channel.key).toBe('a/b~c d');
  });

  it('keeps a reference with a malformed %-escape as written', () => {
    const channel = read((d) => {
      d.components.messages['100%'] = { headers: { properties: { 'X-Id': {} } } };
      d.channels.orders.messages.orderEvent.$ref = '#/components/messages/100%';
    }).channels.orders!;
    expect(channel.messages[0]!.headers).toEqual(['x-id']);
  });

  it('gives an operation the messages it lists, named by their reference or their index, else its channel\'s', () => {
    const listed = read((d) => {
      d.components.messages['Order/Shipped'] = { headers: {} };
      d.operations.onOrder.messages = [{ $ref: '#/components/messages/Order~1Shipped' }, { payload: { type: 'object' } }];
    }).operations.onOrder!;
    expect(listed.messages).toEqual([
      { name: 'Order/Shipped', headers: [] },
      { name: '1', headers: [] },
    ]);
    const unlisted = read(() => undefined).operations.onOrder!;
    expect(unlisted.action).toBe('receive');
    expect(unlisted.messages.map((message) => message.name)).toEqual(['orderEvent']);
  });

  it('follows references only inside the description, refusing one that names nothing or refers to itself', () => {
    expect(refusal((d) => (d.channels.orders.messages.orderEvent.$ref = '#/components/messages/Nope'))).toBe(
      `${FILE} › channels › orders › messages › orderEvent › $ref: "#/components/messages/Nope" names nothing in the description`,
    );
    expect(refusal((d) => (d.channels.orders = { $ref: '#/channels/orders' }))).toBe(`${FILE} › channels › orders › $ref: "#/channels/orders" refers to itself`);
    expect(refusal((d) => {
      d.channels.orders = { $ref: '#/components/channels/loop' };
      d.components.channels = { loop: { $ref: '#/channels/orders' } };
    })).toBe(`${FILE} › channels › orders › $ref: "#/components/channels/loop" refers to itself`);
  });

  it('reads a message\'s declared headers (lower case), following a reference at the headers path, and none when it declares none', () => {
    expect(read((d) => delete d.components.messages.OrderEvent.headers).channels.orders!.messages[0]!.headers).toEqual([]);
    expect(refusal((d) => (d.components.messages.OrderEvent.headers = { $ref: '#/components/schemas/Nope' }))).toBe(
      `${FILE} › channels › orders › messages › orderEvent › headers › $ref: "#/components/schemas/Nope" names nothing in the description`,
    );
  });

  it('refuses a correlationId without a location string, at correlationId › location', () => {
    const at = `${FILE} › channels › orders › messages › orderEvent › correlationId › location: must be a runtime expression`;
    expect(refusal((d) => (d.components.messages.OrderEvent.correlationId = {}))).toContain(at);
    expect(refusal((d) => (d.components.messages.OrderEvent.correlationId = { location: 5 }))).toContain(at);
    expect(refusal((d) => (d.components.messages.OrderEvent.correlationId = '$message.payload#/orderId'))).toContain(at);
  });
});

describe('a correlation ID location', () => {
  it('is $message.payload#<pointer> or $message.header#/<name>, read after trimming', () => {
    expect(parseMessageLocation('  $message.payload#/order/id')).toEqual({ in: 'payload', pointer: '/order/id' });
    expect(parseMessageLocation('$message.payload#')).toEqual({ in: 'payload', pointer: '' });
    expect(parseMessageLocation('$message.header#/X-Id')).toEqual({ in: 'header', pointer: '/X-Id' });
  });

  it('is refused when it is not a $message expression or its pointer is not a JSON Pointer', () => {
    expect(parseMessageLocation('$.orderId')).toBeUndefined();
    expect(parseMessageLocation('$message.payload#orderId')).toBeUndefined();
  });

  it('in a header must name the header', () => {
    expect(parseMessageLocation('$message.header#')).toBeUndefined();
    expect(parseMessageLocation('$message.header#/')).toBeUndefined();
  });
});

describe('an AsyncAPI channel is an HTTP webhook', () => {
  const webhook = (edit: (d: Json) => void) => read(edit).operations.onOrder!.channel.notWebhook;

  it('when every server it is on speaks http or https', () => {
    const https = read((d) => {
      d.servers = { hooks: { host: 'hooks.example.test', protocol: 'HTTPS' } };
      delete d.channels.orders.bindings;
    });
    expect(https.channels.orders!.protocols).toEqual(['https']);
    expect(https.channels.orders!.notWebhook).toBeUndefined();
  });

  it('not when a server speaks another protocol, naming each protocol once', () => {
    const channel = read((d) => {
      d.servers = { a: { protocol: 'kafka' }, b: { protocol: 'mqtt' }, c: { protocol: 'kafka' }, d: { protocol: 'https' } };
    }).channels.orders!;
    expect(channel.notWebhook).toBe('its messages travel over kafka, mqtt (server protocol), not HTTP');
  });

  it('not when a server names no protocol', () => {
    expect(webhook((d) => (d.channels.orders.servers = [{ host: 'x' }]))).toBe('its messages travel over unknown (server protocol), not HTTP');
    expect(webhook((d) => (d.channels.orders.servers = [{ protocol: 5 }]))).toBe('its messages travel over unknown (server protocol), not HTTP');
  });

  it('reading the servers the channel lists, following their references at servers[i]', () => {
    expect(refusal((d) => (d.channels.orders.servers = [{ $ref: '#/servers/nope' }]))).toBe(`${FILE} › channels › orders › servers[0] › $ref: "#/servers/nope" names nothing in the description`);
  });

  it('when it has no server but an http binding, on the channel or on the operation; another binding does not count', () => {
    expect(webhook(() => undefined)).toBeUndefined();
    expect(webhook((d) => (d.channels.orders.bindings = { kafka: {} }))).toContain('it names no server protocol and has no http binding');
    expect(webhook((d) => {
      d.channels.orders.bindings = { kafka: {} };
      d.operations.onOrder.bindings = { http: { method: 'POST' } };
    })).toBeUndefined();
    expect(webhook((d) => {
      d.channels.orders.bindings = { kafka: {} };
      d.operations.onOrder.bindings = { kafka: {} };
    })).toContain('it names no server protocol and has no http binding');
  });

  it('not when its server speaks another protocol, whatever binding the operation has', () => {
    expect(webhook((d) => {
      d.servers = { broker: { protocol: 'kafka' } };
      d.operations.onOrder.bindings = { http: {} };
    })).toBe('its messages travel over kafka (server protocol), not HTTP');
  });
});

/** A 1.1 document with an OpenAPI source `orders`, an arazzo source `flows` and the AsyncAPI source `events` above. */
function documentWith(step: Json, editDescription: (d: Json) => void = () => undefined, extraSources: Record<string, Json> = {}): { loaded: LoadedArazzo; workflow: Workflow; step: Step } {
  const workflow = { workflowId: 'confirm', steps: [{ stepId: 'await', ...step }] } as unknown as Workflow;
  const loaded = {
    file: 'flow.arazzo.yml',
    document: { arazzo: '1.1.0', info: { title: 't', version: '1' }, sourceDescriptions: [], workflows: [workflow] },
    sources: {
      orders: { name: 'orders', url: 'orders.openapi.yml', type: 'openapi', operations: [] },
      flows: { name: 'flows', url: 'flows.arazzo.yml', type: 'arazzo', operations: [] },
      events: { name: 'events', url: FILE, type: 'asyncapi', operations: [], asyncapi: readAsyncApi(description(editDescription), FILE) },
      ...extraSources,
    },
  } as unknown as LoadedArazzo;
  return { loaded, workflow, step: workflow.steps[0]! };
}

/** What checkAsyncApiStep reports for the step, each problem as `<field>: <message>` relative to the step. */
function stepProblems(step: Json, editDescription?: (d: Json) => void, extraSources?: Record<string, Json>): string[] {
  const { loaded, workflow, step: built } = documentWith(step, editDescription, extraSources);
  const problems: string[] = [];
  checkAsyncApiStep(loaded, workflow, built, (location, message) => problems.push(`${location.replace('flow.arazzo.yml › workflows[confirm] › steps[await]', '')}: ${message}`));
  return problems;
}

const receiveTarget = (step: Json, editDescription?: (d: Json) => void, extraSources?: Record<string, Json>) => {
  const { loaded, workflow, step: built } = documentWith(step, editDescription, extraSources);
  return resolveReceiveTarget(loaded, workflow, built);
};

describe('an AsyncAPI step without action', () => {
  it('is refused at the field that makes it one, saying action: receive is needed', () => {
    const needs = 'an AsyncAPI step needs action: receive (wait for a message on an HTTP webhook); action send is not supported';
    expect(stepProblems({ channelPath: '{$sourceDescriptions.events.url}#/channels/orders', correlationId: '$inputs.id' })).toEqual([` › channelPath: ${needs}`]);
    expect(stepProblems({ operationId: '$sourceDescriptions.events.onOrder', correlationId: '$inputs.id' })).toEqual([` › correlationId: ${needs}`]);
    expect(stepProblems({ operationPath: '{$sourceDescriptions.events.url}#/operations/onOrder' })).toEqual([` › operationPath: ${needs}`]);
    expect(stepProblems({ operationId: '$sourceDescriptions.events.onOrder' })).toEqual([` › operationId: ${needs}`]);
  });
});

describe('a receive step', () => {
  it('needs an operationId, operationPath or channelPath, said at the step', () => {
    expect(stepProblems({ action: 'receive' })).toEqual([': a receive step needs an operationId, operationPath or channelPath naming the AsyncAPI operation or channel it waits on']);
  });

  it('may name its channel with channelPath {$sourceDescriptions.<name>.url}#/channels/<key>, decoding ~1, ~0 and %-escapes', () => {
    const target = receiveTarget({ action: 'receive', channelPath: '{$sourceDescriptions.events.url}#/channels/a~1b~0c%20d' }, (d) => (d.channels['a/b~c d'] = d.channels.orders));
    expect(target.channel.key).toBe('a/b~c d');
    expect(target.operationId).toBeUndefined();
    expect(receiveTarget({ action: 'receive', channelPath: '{$sourceDescriptions.events.url}#/channels/100%' }, (d) => (d.channels['100%'] = d.channels.orders)).channel.key).toBe('100%');
  });

  it('with a channelPath of another shape is refused, saying the shape', () => {
    for (const channelPath of ['orders', 'x{$sourceDescriptions.events.url}#/channels/orders', '{$sourceDescriptions.events.url}#/channels/orders/messages']) {
      expect(stepProblems({ action: 'receive', channelPath })).toEqual([` › channelPath: "${channelPath}" must be {$sourceDescriptions.<name>.url}#/channels/<channel>`]);
    }
  });

  it('may name its operation with a plain operationId when the document has exactly one asyncapi source', () => {
    const target = receiveTarget({ action: 'receive', operationId: 'onOrder' });
    expect(target).toMatchObject({ source: 'events', operationId: 'onOrder', channel: { key: 'orders' } });
    const none = stepProblems({ action: 'receive', operationId: 'onOrder' }, undefined, { events: { name: 'events', url: 'x', type: 'openapi', operations: [] } });
    expect(none).toEqual([' › operationId: "onOrder": write $sourceDescriptions.<name>.onOrder to say which AsyncAPI source description it is in (the document has none)']);
    const events = { name: 'events', url: FILE, type: 'asyncapi', operations: [], asyncapi: readAsyncApi(description(), FILE) };
    const two = stepProblems({ action: 'receive', operationId: 'onOrder' }, undefined, { more: { ...events, name: 'more' } });
    expect(two).toEqual([' › operationId: "onOrder": write $sourceDescriptions.<name>.onOrder to say which AsyncAPI source description it is in (the document has events, more)']);
  });

  it('may name its operation with an operationPath {$sourceDescriptions.<name>.url}#/operations/<id>, and nothing else', () => {
    expect(receiveTarget({ action: 'receive', operationPath: '{$sourceDescriptions.events.url}#/operations/on~1order' }, (d) => (d.operations['on/order'] = d.operations.onOrder)).operationId).toBe('on/order');
    for (const operationPath of ['onOrder', 'x{$sourceDescriptions.events.url}#/operations/onOrder', '{$sourceDescriptions.events.url}#/operations/onOrder/x']) {
      expect(stepProblems({ action: 'receive', operationPath })).toEqual([` › operationPath: "${operationPath}" must be {$sourceDescriptions.<name>.url}#/operations/<operationId> for an AsyncAPI operation`]);
    }
  });

  it('naming a source that is missing or not an asyncapi one is refused, saying which it is', () => {
    expect(stepProblems({ action: 'receive', operationId: '$sourceDescriptions.nope.onOrder' })).toEqual([' › operationId: names no source description "nope"; the document has "orders", "flows", "events"']);
    expect(stepProblems({ action: 'receive', operationId: '$sourceDescriptions.flows.onOrder' })).toEqual([
      ' › operationId: "flows" is an Arazzo source description; a receive step waits on a channel of an asyncapi one',
    ]);
    expect(stepProblems({ action: 'receive', operationId: '$sourceDescriptions.orders.onOrder' })).toEqual([
      ' › operationId: "orders" is an OpenAPI source description; a receive step waits on a channel of an asyncapi one',
    ]);
  });

  it('with a correlationId, on a channel whose messages carry it in different places, is refused listing them', () => {
    const mixed = (d: Json) => (d.channels.orders.messages.plain = { payload: { type: 'object' } });
    expect(stepProblems({ action: 'receive', operationId: '$sourceDescriptions.events.onOrder', correlationId: '$inputs.id' }, mixed)).toEqual([
      ' › correlationId: the messages of channel orders carry their correlation ID in different places ($message.payload#/orderId, none); give them one correlationId.location',
    ]);
    const matched = receiveTarget({ action: 'receive', operationId: '$sourceDescriptions.events.onOrder', correlationId: '$inputs.id' });
    expect(matched).toMatchObject({ correlation: { in: 'payload', pointer: '/orderId' }, headers: ['x-event-type'] });
    const waiting = receiveTarget({ action: 'receive', operationId: '$sourceDescriptions.events.onOrder' }, mixed);
    expect(waiting.correlation).toBeUndefined();
    expect(waiting.messages.map((message) => message.name)).toEqual(['orderEvent', 'plain']);
  });
});

/** A document of its own workflows (in memory, no sources unless given). */
function documentOf(workflows: Json[], extra: Json = {}): LoadedArazzo {
  return {
    file: 'flow.arazzo.yml',
    document: { arazzo: '1.1.0', info: { title: 't', version: '1' }, sourceDescriptions: [], workflows, ...extra },
    sources: {},
  } as unknown as LoadedArazzo;
}

/** checkStepOrder's problems for a workflow `w`, each `<where>: <message>` after the workflow's path. */
function orderProblems(steps: Json[], workflowFields: Json = {}): string[] {
  const loaded = documentOf([{ workflowId: 'w', steps, ...workflowFields }]);
  const problems: string[] = [];
  checkStepOrder(loaded, loaded.document.workflows[0]!, (location, message) => problems.push(`${location.replace('flow.arazzo.yml › workflows[w] › ', '')}: ${message}`));
  return problems;
}

const readsLater = (reader: string, read: string) =>
  `steps[${reader}]: reads the outputs of step ${read}, which comes later in the steps list and has not run yet (a forward reference); move ${read} before ${reader}, or declare dependsOn (Arazzo 1.1)`;
const readC = { parameters: [{ name: 'id', in: 'query', value: '$steps.c.outputs.id' }] };
const gotoStep = (stepId: string) => ({ onSuccess: [{ name: 'again', type: 'goto', stepId }] });

describe('a forward reference to a later step', () => {
  it('is reported, unless a goto from that step or later comes back to the reader or earlier', () => {
    expect(orderProblems([{ stepId: 'a', ...readC }, { stepId: 'b' }, { stepId: 'c' }])).toEqual([readsLater('a', 'c')]);
    expect(orderProblems([{ stepId: 'a', ...readC }, { stepId: 'b' }, { stepId: 'c', ...gotoStep('a') }])).toEqual([]);
  });

  it('is still reported when the goto back starts before the step read', () => {
    expect(orderProblems([{ stepId: 'a', ...readC }, { stepId: 'b', ...gotoStep('a') }, { stepId: 'c' }])).toEqual([readsLater('a', 'c')]);
  });

  it('is still reported when the goto back lands after the reader', () => {
    expect(orderProblems([{ stepId: 'a' }, { stepId: 'b', ...readC }, { stepId: 'c', ...gotoStep('c') }])).toEqual([readsLater('b', 'c')]);
  });

  it('is not reported when a workflow-level goto runs the steps again', () => {
    expect(orderProblems([{ stepId: 'a', ...readC }, { stepId: 'b' }, { stepId: 'c' }], { successActions: [{ name: 'again', type: 'goto', stepId: 'a' }] })).toEqual([]);
  });

  it('is found in replacement values and Selector Object outputs; other outputs read nothing', () => {
    const replacing = { requestBody: { contentType: 'application/json', payload: {}, replacements: [{ target: '/id', value: '$steps.c.outputs.id' }] } };
    expect(orderProblems([{ stepId: 'a', ...replacing }, { stepId: 'b' }, { stepId: 'c' }])).toEqual([readsLater('a', 'c')]);
    const selecting = { outputs: { id: { context: '$steps.c.outputs.body', selector: '/id', type: 'jsonpointer' }, n: 5, none: null } };
    expect(orderProblems([{ stepId: 'a', ...selecting }, { stepId: 'b' }, { stepId: 'c' }])).toEqual([readsLater('a', 'c')]);
  });
});

describe('step dependsOn', () => {
  it('may not name the step itself', () => {
    expect(orderProblems([{ stepId: 'a', dependsOn: ['a'] }, { stepId: 'b' }])).toEqual(['steps[a] › dependsOn[0]: step a cannot depend on itself']);
  });

  it('in a cycle is refused naming the steps of the cycle only', () => {
    expect(orderProblems([{ stepId: 'x', dependsOn: ['a'] }, { stepId: 'a', dependsOn: ['b'] }, { stepId: 'b', dependsOn: ['a'] }])).toEqual([
      'steps: steps depend on each other in a cycle: a → b → a (through dependsOn and $steps references); break the cycle',
    ]);
  });
});

const runs = (workflowId: string) => ({ stepId: `run-${workflowId}`, workflowId });
const graphError = (workflows: Json[], maxDepth?: number, sources: Json = {}): string => {
  const loaded = { ...documentOf(workflows), sources } as LoadedArazzo;
  try {
    buildWorkflowGraph(loaded, 'root', maxDepth);
  } catch (error) {
    return (error as Error).message.replace(/^flow\.arazzo\.yml › /, '');
  }
  throw new Error('expected the graph to be refused');
};

describe('a workflow reference', () => {
  it('starting with $ must be $sourceDescriptions.<name>.<workflowId> of a source that exists and is an arazzo one', () => {
    expect(graphError([{ workflowId: 'root', steps: [runs('$steps.x')] }])).toBe(
      'workflows[root] › steps[run-$steps.x] › workflowId: "$steps.x" must be a workflowId of this document or $sourceDescriptions.<name>.<workflowId>',
    );
    expect(graphError([{ workflowId: 'root', steps: [runs('$sourceDescriptions.nope.w')] }], undefined, { api: { name: 'api', type: 'openapi' } })).toBe(
      'workflows[root] › steps[run-$sourceDescriptions.nope.w] › workflowId: "$sourceDescriptions.nope.w" names no source description "nope"; the document has "api"',
    );
    expect(graphError([{ workflowId: 'root', steps: [runs('$sourceDescriptions.api.w')] }], undefined, { api: { name: 'api', type: 'openapi' } })).toBe(
      'workflows[root] › steps[run-$sourceDescriptions.api.w] › workflowId: "$sourceDescriptions.api.w": source description "api" is an OpenAPI description; a workflowId must name a workflow of an arazzo source description',
    );
  });

  it('is refused where it is written: a workflow dependsOn, a goto action', () => {
    expect(graphError([{ workflowId: 'root', dependsOn: ['nope'], steps: [] }])).toMatch(/^workflows\[root\] › dependsOn\[0\]: "nope" is not a workflow of flow\.arazzo\.yml/);
    expect(graphError([{ workflowId: 'root', steps: [{ stepId: 's', onSuccess: [{ name: 'g', type: 'goto', workflowId: 'nope' }] }] }])).toMatch(
      /^workflows\[root\] › steps\[s\] › onSuccess\[0\] › workflowId: "nope" is not a workflow of flow\.arazzo\.yml/,
    );
  });
});

describe('the workflows a workflow runs', () => {
  it('may not form a cycle, which is named from where it starts', () => {
    const workflows = [
      { workflowId: 'root', steps: [runs('a')] },
      { workflowId: 'a', steps: [runs('b')] },
      { workflowId: 'b', steps: [runs('a')] },
    ];
    expect(graphError(workflows)).toMatch(/^workflows\[b\] › steps\[run-a\] › workflowId: workflow cycle a → b → a: a workflow may not run itself/);
  });

  it('may not nest deeper than maxWorkflowDepth, refused where the deepest reference is written', () => {
    expect(graphError([{ workflowId: 'root', steps: [runs('a')] }, { workflowId: 'a', steps: [] }], 0)).toBe(
      'workflows[root] › steps[run-a] › workflowId: workflows nest 1 deep (root → a), deeper than maxWorkflowDepth 0; flatten the chain or raise maxWorkflowDepth',
    );
  });

  it('of an arazzo source are loaded once, confined to the naming document\'s directories', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arazzo-step-rules-'));
    try {
      mkdirSync(path.join(dir, 'sub'));
      writeFileSync(
        path.join(dir, 'api.openapi.yml'),
        stringify({ openapi: '3.0.3', info: { title: 'a', version: '1' }, servers: [{ url: 'https://api.test' }], paths: { '/x': { get: { operationId: 'getX', responses: { 200: { description: 'ok' } } } } } }),
      );
      // The child reads ../api.openapi.yml: outside its own directory, inside the naming document's.
      writeFileSync(
        path.join(dir, 'sub/child.arazzo.yml'),
        stringify({ arazzo: '1.0.1', info: { title: 'c', version: '1' }, sourceDescriptions: [{ name: 'api', url: '../api.openapi.yml', type: 'openapi' }], workflows: [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getX' }] }] }),
      );
      writeFileSync(
        path.join(dir, 'root.arazzo.yml'),
        stringify({ arazzo: '1.0.1', info: { title: 'r', version: '1' }, sourceDescriptions: [{ name: 'child', url: 'sub/child.arazzo.yml', type: 'arazzo' }], workflows: [{ workflowId: 'root', steps: [{ stepId: 'run', workflowId: '$sourceDescriptions.child.w' }] }] }),
      );
      const loaded = loadArazzo(path.join(dir, 'root.arazzo.yml'));
      const graph = buildWorkflowGraph(loaded, 'root');
      expect(graph.order).toEqual(['child.w', 'root']);
      expect(loadedSourceDocument(loaded, 'child')).toBe(graph.nodes.get('child.w')!.loaded);
      expect(loadedSourceDocument(loaded, 'child')).toBe(loadedSourceDocument(loaded, 'child'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a refused feature', () => {
  const refusals = (workflow: Json): string[] => {
    const loaded = documentOf([{ workflowId: 'w', ...workflow }]);
    const problems: string[] = [];
    checkRefusedFeatures(loaded, loaded.document.workflows[0]!, (location, message) => problems.push(`${location.replace('flow.arazzo.yml › workflows[w] › ', '')}: ${message}`));
    return problems;
  };

  it('a Selector Object whose context is not a runtime expression', () => {
    expect(refusals({ steps: [{ stepId: 's', outputs: { id: { context: 5, selector: '/id', type: 'jsonpointer' } } }] })).toEqual([
      'steps[s] › outputs › id › context: must be a runtime expression, e.g. $response.body: "" is not a runtime expression: it must start with "$"',
    ]);
  });

  it('a Selector Object in a replacement value, at that value', () => {
    const requestBody = { contentType: 'application/json', payload: {}, replacements: [{ target: '/id', value: { context: '$inputs.x', selector: '/id', type: 'regex' } }] };
    expect(refusals({ steps: [{ stepId: 's', requestBody }] })).toEqual([
      'steps[s] › requestBody › replacements[0] › value › type: must be jsonpath, jsonpointer or xpath (or an Expression Type Object), not "regex"',
    ]);
  });

  it('a retry that first runs a step or a workflow, naming which', () => {
    expect(refusals({ steps: [{ stepId: 's', onFailure: [{ name: 'r', type: 'retry', workflowId: 'other' }, { name: 'q', type: 'retry', stepId: 's' }] }] })).toEqual([
      'steps[s] › onFailure[0]: a retry that first runs workflow other is not supported; retry the step itself, or goto that step and let it goto back',
      'steps[s] › onFailure[1]: a retry that first runs step s is not supported; retry the step itself, or goto that step and let it goto back',
    ]);
  });

  it('action parameters without a workflowId; with one they are passed', () => {
    expect(refusals({ steps: [{ stepId: 's', onSuccess: [{ name: 'e', type: 'end', parameters: [] }, { name: 'g', type: 'goto', workflowId: 'other', parameters: [] }] }] })).toEqual([
      'steps[s] › onSuccess[0] › parameters: parameters are passed to a workflow named by workflowId; this action names none, so remove them',
    ]);
  });
});
