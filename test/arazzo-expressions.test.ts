import { describe, expect, it } from 'vitest';
import { ArazzoExpressionError } from '../lib/arazzo/errors.ts';
import {
  checkExpression,
  checkValueExpressions,
  evaluateExpression,
  expressionsIn,
  resolveValue,
  type ExpressionContext,
} from '../lib/arazzo/expressions.ts';

const context: ExpressionContext = {
  inputs: { username: 'ada', quantity: 3, address: { city: 'Turin' }, 'dotted.name': 'kept', flag: false },
  steps: {
    login: { token: 'tok-1', 'session.id': 's-9', pets: [{ id: 7, name: 'Rex' }] },
    empty: {},
  },
  outputs: { orderId: 'o-1' },
  url: 'https://api.example.com/pets?limit=2',
  method: 'GET',
  statusCode: 200,
  request: {
    headers: { Accept: 'application/json' },
    query: { limit: '2' },
    path: { petId: '42' },
    body: { user: { uuid: 'u-1' } },
  },
  response: {
    headers: { 'Content-Type': 'application/json', 'X-Rate-Limit': '10' },
    body: {
      status: 'done',
      count: 0,
      items: [{ id: 'a' }, { id: 'b' }],
      'a/b': { 'm~n': 'escaped' },
      nothing: null,
    },
  },
};

describe('evaluateExpression', () => {
  it('reads $url, $method and $statusCode', () => {
    expect(evaluateExpression('$url', context)).toBe('https://api.example.com/pets?limit=2');
    expect(evaluateExpression('$method', context)).toBe('GET');
    expect(evaluateExpression('$statusCode', context)).toBe(200);
  });

  it('reads request headers, query and path parameters and the body', () => {
    expect(evaluateExpression('$request.header.accept', context)).toBe('application/json');
    expect(evaluateExpression('$request.query.limit', context)).toBe('2');
    expect(evaluateExpression('$request.path.petId', context)).toBe('42');
    expect(evaluateExpression('$request.body', context)).toEqual({ user: { uuid: 'u-1' } });
    expect(evaluateExpression('$request.body#/user/uuid', context)).toBe('u-1');
  });

  it('reads response headers whatever the case of the name', () => {
    expect(evaluateExpression('$response.header.content-type', context)).toBe('application/json');
    expect(evaluateExpression('$response.header.X-RATE-LIMIT', context)).toBe('10');
  });

  it('reads the response body whole or through a JSON Pointer, keeping the value type', () => {
    expect(evaluateExpression('$response.body#/status', context)).toBe('done');
    expect(evaluateExpression('$response.body#/count', context)).toBe(0);
    expect(evaluateExpression('$response.body#/items/1/id', context)).toBe('b');
    expect(evaluateExpression('$response.body#/items', context)).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(evaluateExpression('$response.body#/nothing', context)).toBeNull();
  });

  it('decodes ~1 as "/" and ~0 as "~" in pointers', () => {
    expect(evaluateExpression('$response.body#/a~1b/m~0n', context)).toBe('escaped');
  });

  it('reads inputs, nested inputs, and names that contain dots', () => {
    expect(evaluateExpression('$inputs.username', context)).toBe('ada');
    expect(evaluateExpression('$inputs.address.city', context)).toBe('Turin');
    expect(evaluateExpression('$inputs.dotted.name', context)).toBe('kept');
    expect(evaluateExpression('$inputs.flag', context)).toBe(false);
  });

  it('reads step outputs, with a pointer into an output, and workflow outputs', () => {
    expect(evaluateExpression('$steps.login.outputs.token', context)).toBe('tok-1');
    expect(evaluateExpression('$steps.login.outputs.session.id', context)).toBe('s-9');
    expect(evaluateExpression('$steps.login.outputs.pets#/0/name', context)).toBe('Rex');
    expect(evaluateExpression('$outputs.orderId', context)).toBe('o-1');
  });

  it('answers undefined, never throws, when the value is not there', () => {
    expect(evaluateExpression('$inputs.missing', context)).toBeUndefined();
    expect(evaluateExpression('$inputs.address.zip', context)).toBeUndefined();
    expect(evaluateExpression('$response.body#/items/9/id', context)).toBeUndefined();
    expect(evaluateExpression('$response.body#/status/deeper', context)).toBeUndefined();
    expect(evaluateExpression('$steps.nope.outputs.token', context)).toBeUndefined();
    expect(evaluateExpression('$steps.empty.outputs.token', context)).toBeUndefined();
    expect(evaluateExpression('$response.header.Missing', context)).toBeUndefined();
    const before = { inputs: {}, steps: {} };
    expect(evaluateExpression('$response.body#/status', before)).toBeUndefined();
    expect(evaluateExpression('$statusCode', before)).toBeUndefined();
    expect(evaluateExpression('$outputs.orderId', before)).toBeUndefined();
  });

  it('throws ArazzoExpressionError for syntax the spec does not allow', () => {
    expect(() => evaluateExpression('$nonsense', context)).toThrow(ArazzoExpressionError);
    expect(() => evaluateExpression('$response.body#status', context)).toThrow(/JSON Pointer/);
    expect(() => evaluateExpression('$response.body#/a~2', context)).toThrow(/~0/);
    expect(() => evaluateExpression('$steps.login.token', context)).toThrow(/outputs/);
    expect(() => evaluateExpression('inputs.username', context)).toThrow(/start with "\$"/);
  });
});

describe('checkExpression', () => {
  it('recognises whole expressions only', () => {
    expect(checkExpression('$inputs.username')).toBeUndefined();
    expect(checkExpression('$response.body#/a/b')).toBeUndefined();
    expect(checkExpression('Bearer $inputs.token')).toBeDefined();
    expect(checkExpression('$statusCode == 200')).toBeDefined();
    expect(checkExpression('$type')).toBeDefined();
    expect(checkExpression('plain')).toBeDefined();
  });

  it('accepts every supported form', () => {
    for (const expression of [
      '$url',
      '$method',
      '$statusCode',
      '$request.header.X-Request-Id',
      '$request.query.limit',
      '$request.path.id',
      '$request.body',
      '$request.body#/user/uuid',
      '$response.header.Server',
      '$response.body',
      '$response.body#/a~1b/~0c',
      '$inputs.username',
      '$inputs.a.b',
      '$outputs.bar',
      '$steps.someStepId.outputs.pets',
      '$steps.someStepId.outputs.pets#/0/id',
    ]) {
      expect(checkExpression(expression), expression).toBeUndefined();
    }
  });

  it('refuses source-description and component values and malformed $workflows with the reason', () => {
    expect(checkExpression('$workflows.foo.outputs.bar')).toBeUndefined();
    expect(checkExpression('$workflows.foo.steps.bar')).toMatch(/\$workflows\.<workflowId>\.inputs\.<name> or \$workflows\.<workflowId>\.outputs\.<name>/);
    expect(checkExpression('$sourceDescriptions.api.url')).toMatch(/operationId or operationPath/);
    expect(checkExpression('$components.parameters.page')).toMatch(/reference/);
    expect(checkExpression('$response.query.x')).toMatch(/\$request\.query/);
    expect(checkExpression('$steps.a')).toMatch(/\$steps\.<stepId>\.outputs\.<name>/);
  });
});

describe('resolveValue', () => {
  it('replaces a whole-string expression with its value of any type', () => {
    expect(resolveValue('$inputs.quantity', context)).toBe(3);
    expect(resolveValue('$inputs.address', context)).toEqual({ city: 'Turin' });
    expect(resolveValue('{$inputs.quantity}', context)).toBe(3);
  });

  it('substitutes {$...} embedded in text, objects as JSON text', () => {
    expect(resolveValue('Bearer {$steps.login.outputs.token}', context)).toBe('Bearer tok-1');
    expect(resolveValue('user={$inputs.username}&n={$inputs.quantity}', context)).toBe('user=ada&n=3');
    expect(resolveValue('at {$inputs.address}', context)).toBe('at {"city":"Turin"}');
  });

  it('reads a bare expression after text as if it were braced (leniency)', () => {
    expect(resolveValue('Bearer $inputs.username', context)).toBe('Bearer ada');
    expect(resolveValue('Hello $inputs.username.', context)).toBe('Hello ada.');
    expect(resolveValue('$inputs.username and $steps.login.outputs.token', context)).toBe('ada and tok-1');
    expect(resolveValue('id $response.body#/items/0/id, then', context)).toBe('id a, then');
  });

  it('leaves text without expressions alone, including dollar signs that are not expressions', () => {
    expect(resolveValue('costs $5', context)).toBe('costs $5');
    expect(resolveValue('imageGen', context)).toBe('imageGen');
    expect(resolveValue('US$inputs.username', context)).toBe('US$inputs.username');
    expect(resolveValue(42, context)).toBe(42);
    expect(resolveValue(null, context)).toBeNull();
    expect(resolveValue(true, context)).toBe(true);
  });

  it('makes a string with any unresolvable expression undefined', () => {
    expect(resolveValue('Bearer $inputs.apiKey', context)).toBeUndefined();
    expect(resolveValue('{$inputs.username}-{$inputs.missing}', context)).toBeUndefined();
  });

  it('drops object keys and array items that resolve to undefined, so unset optional inputs are omitted', () => {
    const payload = {
      steps: [
        {
          $type: 'generate',
          input: { prompt: '$inputs.username', negativePrompt: '$inputs.negative', quantity: '$inputs.quantity' },
        },
      ],
      tags: ['$inputs.missing', 'fixed', '$inputs.username'],
      flag: '$inputs.flag',
    };
    expect(resolveValue(payload, context)).toEqual({
      steps: [{ $type: 'generate', input: { prompt: 'ada', quantity: 3 } }],
      tags: ['fixed', 'ada'],
      flag: false,
    });
    expect(payload.steps[0].input.negativePrompt).toBe('$inputs.negative');
  });

  it('keeps a null that an expression resolves to', () => {
    expect(resolveValue({ value: '$response.body#/nothing' }, context)).toEqual({ value: null });
  });
});

describe('expressionsIn and checkValueExpressions', () => {
  it('lists whole, embedded and bare expressions', () => {
    expect(expressionsIn({ a: '$inputs.a', b: ['x {$steps.s.outputs.o} y', 'Bearer $inputs.t'], c: 1 })).toEqual([
      '$inputs.a',
      '$steps.s.outputs.o',
      '$inputs.t',
    ]);
  });

  it('reports malformed and unsupported expressions in values', () => {
    expect(checkValueExpressions({ a: '$inputs.ok', b: 'Bearer {$inputs.ok}' })).toEqual([]);
    expect(checkValueExpressions({ a: '$workflows.other.outputs' })[0]).toMatch(/\$workflows\.<workflowId>\.outputs\.<name>/);
    expect(checkValueExpressions(['{$response.body#bad}'])[0]).toMatch(/JSON Pointer/);
    expect(checkValueExpressions('$steps.onlyStep')[0]).toMatch(/outputs/);
  });
});

describe('$message (Arazzo 1.1 receive steps)', () => {
  const received: ExpressionContext = {
    inputs: {},
    steps: {},
    message: { payload: { orderId: 'o-7', status: 'confirmed', lines: [{ sku: 'a/b' }] }, headers: { 'x-event-type': 'order.confirmed' } },
  };

  it('reads the payload whole or through a JSON Pointer, keeping the value type', () => {
    expect(evaluateExpression('$message.payload', received)).toEqual(received.message!.payload);
    expect(evaluateExpression('$message.payload#/status', received)).toBe('confirmed');
    expect(evaluateExpression('$message.payload#/lines/0', received)).toEqual({ sku: 'a/b' });
  });

  it('reads a header whatever the case of its name', () => {
    expect(evaluateExpression('$message.header.X-Event-Type', received)).toBe('order.confirmed');
  });

  it('reads $message.payload.<name> as $message.payload#/<name>, the form of the spec\'s own receive example (leniency)', () => {
    expect(evaluateExpression('$message.payload.orderId', received)).toBe('o-7');
    expect(checkExpression('$message.payload.orderId')).toBeUndefined();
  });

  it('is undefined where no message was received, and for a missing field or header', () => {
    expect(evaluateExpression('$message.payload#/status', { inputs: {}, steps: {} })).toBeUndefined();
    expect(evaluateExpression('$message.payload#/missing', received)).toBeUndefined();
    expect(evaluateExpression('$message.header.Authorization', received)).toBeUndefined();
  });

  it('resolves inside values and criteria contexts like any expression', () => {
    expect(resolveValue({ id: '$message.payload#/orderId', note: 'event {$message.header.x-event-type}' }, received)).toEqual({ id: 'o-7', note: 'event order.confirmed' });
  });

  it('refuses other forms, naming the ones it takes', () => {
    for (const bad of ['$message.body', '$message.payload#status', '$message.header.', '$message.headers.x', '$message.payload.a b']) {
      expect(checkExpression(bad), bad).toMatch(/must be followed by payload, payload#\/<json-pointer> or header\.<name>|is not a JSON Pointer/);
    }
    expect(() => evaluateExpression('$message.body', received)).toThrow(ArazzoExpressionError);
  });
});
