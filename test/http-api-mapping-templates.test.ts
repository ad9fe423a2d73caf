/**
 * The mapping templates, rendered as API Gateway renders them (test/support/vtl.ts) and parsed as JSON:
 * what Step Functions receives for a request, and what the client receives for each Step Functions answer.
 */
import ajvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import {
  REFUSED_EXECUTION_ARN,
  REFUSED_EXECUTION_NAME,
  BAD_REQUEST_BODY_VARIABLES,
  badRequestBodyTemplate,
  describeExecutionErrorTemplate,
  describeExecutionRequestTemplate,
  executionStatusTemplate,
  startExecutionAcceptedTemplate,
  startExecutionErrorTemplate,
  startExecutionRequestTemplate,
  stepFunctionsUnavailableTemplate,
} from '../lib/http-api/mapping-templates.ts';
import { type MethodRequest, type RenderOptions, renderGatewayResponse, renderRequestTemplate, renderResponseTemplate } from './support/vtl.ts';

// ajv-draft-04 is CommonJS: under NodeNext the default import is the module, whose `default` is the class.
const AjvDraft04 = ajvDraft04.default;
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Workflow';
const EXECUTION_ARN_PREFIX = 'arn:aws:states:eu-west-1:123456789012:execution:Workflow:';
const BOTH_MISSING_PATH_BEHAVIOURS: RenderOptions[] = [{ missingPath: 'null' }, { missingPath: 'empty' }];

interface StartExecutionRequest {
  stateMachineArn: string;
  input: string;
  name?: string;
}

function startExecution(body: unknown, headers: Record<string, string> = {}): StartExecutionRequest {
  const text = renderRequestTemplate(startExecutionRequestTemplate(STATE_MACHINE_ARN), {
    body: JSON.stringify(body),
    headers,
  }).text;
  return JSON.parse(text) as StartExecutionRequest;
}

function respond(template: string, stepFunctionsBody: unknown, request: MethodRequest = {}, options: RenderOptions = {}) {
  const rendered = renderResponseTemplate(template, JSON.stringify(stepFunctionsBody), request, options);
  return { body: JSON.parse(rendered.text) as Record<string, unknown>, status: rendered.responseOverride.status, headers: rendered.responseOverride.header };
}

describe('POST /executions → StartExecution request', () => {
  it('sends the validated body as the execution input, for this state machine, with no name', () => {
    const body = { engine: 'e1', prompt: 'a lighthouse at dusk', quantity: 2, cfgScale: 3.5 };
    const request = startExecution(body);
    expect(request.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(JSON.parse(request.input)).toEqual(body);
    expect(request).not.toHaveProperty('name');
  });

  it.each([
    ['double quotes', 'a "quoted" word'],
    ['an apostrophe', "the painter's lighthouse"],
    ['backslashes', String.raw`C:\path\to\file \\ and \n as text`],
    ['a backslash before an apostrophe', String.raw`it\'s`],
    ['newlines, tabs and carriage returns', 'line one\nline two\r\n\tindented'],
    ['emoji and accents', 'café crème — 🌅🦜 naïve'],
    ['slashes and angle brackets', '</script> a/b'],
    ['control characters and line separators', 'bell\u0007 nul\u0000 sep\u2028 para\u2029'],
    ['everything at once', `"'\\\n😀é'"\\'`],
    ['text that looks like VTL', '$input.body #set($x = 1) ${x} $!y ## not a comment #end'],
  ])('delivers a prompt with %s intact', (_, prompt) => {
    const body = { engine: 'e1', prompt, negativePrompt: prompt };
    expect(JSON.parse(startExecution(body).input)).toEqual(body);
  });

  it('delivers 300 random prompts built from the characters that break JSON escaping intact', () => {
    const alphabet = [...`"'\\/\n\r\t\b\f\u0000\u001f abcXYZ09é€😀\u2028{}[]:,#$`];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      const prompt = Array.from({ length: 1 + Math.floor(next() * 40) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const body = { engine: 'e', prompt };
      expect(JSON.parse(startExecution(body).input)).toEqual(body);
    }
  });

  it('uses a well-formed Idempotency-Key as the execution name', () => {
    expect(startExecution({ prompt: 'p' }, { 'Idempotency-Key': 'order-42_retry' }).name).toBe('order-42_retry');
  });

  it('finds the Idempotency-Key whatever the header name case (HTTP/2 clients send lower case)', () => {
    expect(startExecution({ prompt: 'p' }, { 'idempotency-key': 'abc' }).name).toBe('abc');
    expect(startExecution({ prompt: 'p' }, { 'IDEMPOTENCY-KEY': 'abc' }).name).toBe('abc');
  });

  it.each([
    ['too long', 'k'.repeat(81)],
    ['a dot', 'a.b'],
    ['a space', 'a b'],
    ['a quote', 'a"b'],
    ['a colon', 'a:b'],
    ['empty', ''],
  ])('sends a name Step Functions refuses, not the key, when the key has %s', (_, key) => {
    const request = startExecution({ prompt: 'p' }, { 'Idempotency-Key': key });
    expect(request.name).toBe(REFUSED_EXECUTION_NAME);
    expect(REFUSED_EXECUTION_NAME).toMatch(/\s/); // Step Functions names may not contain whitespace
  });

  it('accepts a key of exactly 80 characters', () => {
    const key = 'A'.repeat(40) + '-_'.repeat(20);
    expect(startExecution({ prompt: 'p' }, { 'Idempotency-Key': key }).name).toBe(key);
  });
});

describe('StartExecution 200 → 202', () => {
  const stepFunctions = { executionArn: `${EXECUTION_ARN_PREFIX}3f2c9a1e-7b4d-4c1a-9e0f-2a6b8c4d5e6f`, startDate: 1.717171717123e9 };

  it('answers with the execution id, its ARN, where to follow it, and when it started', () => {
    const { body, headers } = respond(startExecutionAcceptedTemplate(), stepFunctions, {}, {
      context: { domainName: 'api.example.test', stage: 'v1' },
    });
    expect(body).toEqual({
      executionId: '3f2c9a1e-7b4d-4c1a-9e0f-2a6b8c4d5e6f',
      executionArn: stepFunctions.executionArn,
      statusUrl: 'https://api.example.test/v1/executions/3f2c9a1e-7b4d-4c1a-9e0f-2a6b8c4d5e6f',
      startDate: stepFunctions.startDate,
    });
    expect(headers.Location).toBe(body.statusUrl);
  });

  it('names the run after the Idempotency-Key when one was used', () => {
    const { body } = respond(startExecutionAcceptedTemplate(), { ...stepFunctions, executionArn: `${EXECUTION_ARN_PREFIX}order-42` });
    expect(body.executionId).toBe('order-42');
  });
});

describe('StartExecution 4xx', () => {
  const alreadyExists = {
    __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists',
    message: `Execution Already Exists: '${EXECUTION_ARN_PREFIX}order-42'`,
  };

  it.each(BOTH_MISSING_PATH_BEHAVIOURS)(
    'ExecutionAlreadyExists becomes 409 naming the existing execution (%o)',
    (options) => {
      const { body, status } = respond(startExecutionErrorTemplate(), alreadyExists, { headers: { 'Idempotency-Key': 'order-42' } }, {
        ...options,
        context: { domainName: 'api.example.test', stage: 'v1' },
      });
      expect(status).toBe(409);
      expect(body).toMatchObject({
        error: 'ExecutionAlreadyExists',
        executionId: 'order-42',
        statusUrl: 'https://api.example.test/v1/executions/order-42',
      });
      expect(body.message).toMatch(/order-42.*Idempotency-Key/);
    },
  );

  it('ExecutionAlreadyExists still names the execution (from the key) if the message has no quoted ARN', () => {
    const { body, status } = respond(
      startExecutionErrorTemplate(),
      { __type: 'ExecutionAlreadyExists', message: 'Execution Already Exists' },
      { headers: { 'idempotency-key': 'order-7' } },
    );
    expect(status).toBe(409);
    expect(body.executionId).toBe('order-7');
  });

  it('InvalidName (the refused key) becomes 400 naming the Idempotency-Key header and its rule', () => {
    const { body, status } = respond(
      startExecutionErrorTemplate(),
      { __type: 'com.amazonaws.swf.service.v2.model#InvalidName', message: `Invalid Name: '${REFUSED_EXECUTION_NAME}'` },
      { headers: { 'Idempotency-Key': 'bad key!' } },
    );
    expect(status).toBeUndefined(); // the integration response's own 400
    expect(body.error).toBe('InvalidIdempotencyKey');
    expect(body.message).toMatch(/Idempotency-Key must be 1 to 80 characters/);
  });

  it('a malformed key is reported as such even if Step Functions names the problem differently', () => {
    const { body } = respond(
      startExecutionErrorTemplate(),
      { __type: 'ValidationException', message: 'something else' },
      { headers: { 'Idempotency-Key': 'bad.key' } },
    );
    expect(body.error).toBe('InvalidIdempotencyKey');
  });

  it('throttling becomes 429', () => {
    const { body, status } = respond(startExecutionErrorTemplate(), { __type: 'ThrottlingException', message: 'Rate exceeded' });
    expect(status).toBe(429);
    expect(body).toEqual({ error: 'Throttled', message: 'Rate exceeded' });
  });

  it.each(BOTH_MISSING_PATH_BEHAVIOURS)('any other client error is 400 with Step Functions\' message intact (%o)', (options) => {
    const message = `Invalid execution input: can't parse "x" \\ at 1`;
    const { body, status } = respond(
      startExecutionErrorTemplate(),
      { __type: 'com.amazonaws.swf.service.v2.model#InvalidExecutionInput', message },
      {},
      options,
    );
    expect(status).toBeUndefined();
    expect(body).toEqual({ error: 'InvalidExecutionInput', message });
  });

  it('an error body without __type is still JSON', () => {
    const { body } = respond(startExecutionErrorTemplate(), { Message: 'odd' });
    expect(body).toEqual({ error: 'BadRequest', message: 'odd' });
  });
});

describe('Step Functions 5xx → 502', () => {
  it('says Step Functions is unavailable and passes its message on', () => {
    const { body } = respond(stepFunctionsUnavailableTemplate(), { __type: 'InternalFailure', message: "we're down" });
    expect(body).toEqual({ error: 'StepFunctionsUnavailable', message: "we're down" });
  });
});

describe('GET /executions/{id} → DescribeExecution request', () => {
  const describe_ = (id: string) =>
    JSON.parse(renderRequestTemplate(describeExecutionRequestTemplate(EXECUTION_ARN_PREFIX), { path: { id } }).text) as {
      executionArn: string;
    };

  it('asks for that execution of this state machine', () => {
    expect(describe_('3f2c9a1e-7b4d-4c1a-9e0f-2a6b8c4d5e6f').executionArn).toBe(`${EXECUTION_ARN_PREFIX}3f2c9a1e-7b4d-4c1a-9e0f-2a6b8c4d5e6f`);
    expect(describe_('order-42').executionArn).toBe(`${EXECUTION_ARN_PREFIX}order-42`);
  });

  it.each(['other:exec', '../x', 'a"b', 'x'.repeat(81), 'a b', ''])(
    'never builds an ARN from the malformed id %j (it asks for an ARN Step Functions refuses)',
    (id) => {
      expect(describe_(id).executionArn).toBe(REFUSED_EXECUTION_ARN);
    },
  );
});

describe('DescribeExecution 200 → the run status', () => {
  const base = {
    executionArn: `${EXECUTION_ARN_PREFIX}order-42`,
    stateMachineArn: STATE_MACHINE_ARN,
    name: 'order-42',
    startDate: 1.717171717123e9,
    input: '{"prompt":"p"}',
    inputDetails: { included: true },
  };

  it.each(BOTH_MISSING_PATH_BEHAVIOURS)('RUNNING: id, status and start only (%o)', (options) => {
    const { body } = respond(executionStatusTemplate(), { ...base, status: 'RUNNING' }, {}, options);
    expect(body).toEqual({ executionId: 'order-42', status: 'RUNNING', startDate: base.startDate });
  });

  it.each(BOTH_MISSING_PATH_BEHAVIOURS)('SUCCEEDED: the output as JSON, not as an escaped string (%o)', (options) => {
    const outputs = { images: ['https://blobs.example/a.png'], note: `it's "done" \\ 😀 $input.body #set($x = 1)` };
    const { body } = respond(
      executionStatusTemplate(),
      { ...base, status: 'SUCCEEDED', stopDate: 1.7171718e9, output: JSON.stringify(outputs), outputDetails: { included: true } },
      {},
      options,
    );
    expect(body).toEqual({ executionId: 'order-42', status: 'SUCCEEDED', startDate: base.startDate, stopDate: 1.7171718e9, outputs });
  });

  it('SUCCEEDED without an output (not included) says outputs: null', () => {
    const { body } = respond(executionStatusTemplate(), { ...base, status: 'SUCCEEDED', stopDate: 1.7171718e9, outputDetails: { included: false } });
    expect(body.outputs).toBeNull();
  });

  it.each(BOTH_MISSING_PATH_BEHAVIOURS)('FAILED: error and cause, the cause kept as the text Step Functions gave (%o)', (options) => {
    const cause = JSON.stringify({ message: "step 'poll' failed: \"status\" was failed", outputs: { a: 1 } });
    const { body } = respond(
      executionStatusTemplate(),
      { ...base, status: 'FAILED', stopDate: 1.7171718e9, error: 'Arazzo.StepFailed', cause },
      {},
      options,
    );
    expect(body).toEqual({
      executionId: 'order-42',
      status: 'FAILED',
      startDate: base.startDate,
      stopDate: 1.7171718e9,
      error: 'Arazzo.StepFailed',
      cause,
    });
  });

  it.each(['TIMED_OUT', 'ABORTED'])('%s without error or cause says null for both', (status) => {
    const { body } = respond(executionStatusTemplate(), { ...base, status, stopDate: 1.7171718e9 });
    expect(body).toMatchObject({ status, error: null, cause: null });
  });
});

describe('DescribeExecution 4xx', () => {
  it('ExecutionDoesNotExist becomes 404', () => {
    const message = `Execution Does Not Exist: '${EXECUTION_ARN_PREFIX}nope'`;
    const { body, status } = respond(
      describeExecutionErrorTemplate(),
      { __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist', message },
      { path: { id: 'nope' } },
    );
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'ExecutionDoesNotExist', message });
  });

  it('InvalidArn (a malformed id) becomes 400 saying what an id looks like', () => {
    const { body, status } = respond(
      describeExecutionErrorTemplate(),
      { __type: 'InvalidArn', message: `Invalid Arn: 'Invalid ARN prefix: ${REFUSED_EXECUTION_ARN}'` },
      { path: { id: 'a:b' } },
    );
    expect(status).toBeUndefined();
    expect(body.error).toBe('InvalidExecutionId');
    expect(body.message).toMatch(/1 to 80 characters/);
  });

  it('a malformed id is reported as such even if Step Functions refuses the request differently', () => {
    const { body, status } = respond(
      describeExecutionErrorTemplate(),
      { __type: 'AccessDeniedException', message: 'not authorized' },
      { path: { id: '../other' } },
    );
    expect(status).toBeUndefined();
    expect(body.error).toBe('InvalidExecutionId');
  });

  it('ExecutionDoesNotExist is still 404 when the request parameters are not visible to the response template', () => {
    const { status } = respond(describeExecutionErrorTemplate(), { __type: 'ExecutionDoesNotExist', message: 'gone' });
    expect(status).toBe(404);
  });

  it('throttling becomes 429', () => {
    const { status } = respond(describeExecutionErrorTemplate(), { __type: 'ThrottlingException', message: 'Rate exceeded' }, { path: { id: 'k' } });
    expect(status).toBe(429);
  });
});

describe('400 for a body that breaks the input model (gateway response BAD_REQUEST_BODY)', () => {
  const model = {
    $schema: 'http://json-schema.org/draft-04/schema#',
    type: 'object',
    required: ['prompt'],
    properties: { prompt: { type: 'string', maxLength: 10, pattern: '^[^$]*$', description: 'costs $5, see $context.requestId' } },
    additionalProperties: false,
  };
  // Real draft-04 messages quote the body's own text; these add what a hostile body can put there.
  const validationMessages = [
    '[object has missing required properties (["prompt"])]',
    '[object instance has properties which are not allowed by the schema: ["apiKey"]]',
    String.raw`[string "a "quoted" prompt \ with a backslash" is too long (length: 40, maximum allowed: 10)]`,
    String.raw`[ECMA 262 regex "^[^$]*$" does not match input string ""}, "injected": true, "x": ""]`,
    '"\\"\u0000\n\t{}[]',
  ];
  const render = (validationErrorString: string) =>
    renderGatewayResponse(badRequestBodyTemplate(model), {
      '$context.requestId': 'c0ffee00-1234-4abc-8def-0123456789ab',
      // Never referenced by the template; given so that a template that did reference them would render them raw.
      '$context.error.validationErrorString': validationErrorString,
      '$context.error.messageString': `"Invalid request body"`,
    });

  it.each(validationMessages)('is valid JSON whatever the validation message holds: %s', (message) => {
    const body = JSON.parse(render(message)) as Record<string, unknown>;
    expect(body).toEqual({
      error: 'BadRequestBody',
      message: expect.stringContaining('does not match inputSchema'),
      requestId: 'c0ffee00-1234-4abc-8def-0123456789ab',
      inputSchema: model,
    });
    expect(JSON.stringify(body)).not.toContain('injected');
  });

  it('substitutes only the request id: no variable whose value could hold the body\'s text', () => {
    const references = badRequestBodyTemplate(model).match(/\$[A-Za-z][\w.]*/g) ?? [];
    expect(references).toEqual([...BAD_REQUEST_BODY_VARIABLES]);
  });

  it('names the field through the schema it carries: a draft-04 validator run on the refused body finds it', () => {
    const { inputSchema } = JSON.parse(render('')) as { inputSchema: object };
    const validate = new AjvDraft04({ allErrors: true }).compile(inputSchema);
    expect(validate({ prompt: 'far too long a prompt' })).toBe(false);
    expect(validate.errors!.map((error) => error.instancePath)).toContain('/prompt');
  });
});
