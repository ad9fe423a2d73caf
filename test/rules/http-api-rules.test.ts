/**
 * The caller → run-input boundary at API Gateway, rule by rule: the 2020-12 input schema becomes a draft-04 model
 * that accepts exactly the same bodies (checked with ajv's 2020-12 and draft-04 validators side by side), or
 * synthesis stops naming the keyword, where it is and the fix; the model stays closed to names the schema does not
 * declare, and never admits a secret input.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvDraft04 from 'ajv-draft-04';
import { App, type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../lib/arazzo/types.ts';
import { ArazzoHttpApi, type ArazzoHttpApiProps } from '../../lib/http-api/arazzo-http-api.ts';
import { SchemaTranslationError, toDraft04 } from '../../lib/http-api/draft04-schema.ts';
import { inputModelSchema } from '../../lib/http-api/input-model.ts';

// ajv-draft-04 is CommonJS: under NodeNext the default import is the module, whose `default` is the class.
const AjvDraft04 = ajvDraft04.default;
const WHERE = 'inputs';

/** Validates every instance with the 2020-12 schema and with its translation; they must agree on each. */
function agreeOn(schema: JsonSchema, instances: unknown[]): void {
  const original = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
  const draft04 = new AjvDraft04({ strict: false, validateFormats: false }).compile(toDraft04(schema, WHERE));
  for (const instance of instances) {
    expect({ instance, valid: draft04(instance) }).toEqual({ instance, valid: original(instance) });
  }
}

function refusal(schema: unknown): SchemaTranslationError {
  try {
    toDraft04(schema as JsonSchema, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaTranslationError);
    return error as SchemaTranslationError;
  }
  throw new Error('expected the translation to be refused');
}

const at = (location: string) => `${WHERE}: cannot translate ${location} to API Gateway's draft-04 model:`;

describe('a refused schema', () => {
  it('is reported as a SchemaTranslationError by name, as synthesis prints it', () => {
    const error = refusal({ nullable: true });
    expect(error.name).toBe('SchemaTranslationError');
    expect(String(error)).toMatch(/^SchemaTranslationError: inputs: cannot translate #\/nullable/);
  });

  it('is refused when "$schema" is not a string, even a list holding the 2020-12 dialect', () => {
    expect(refusal({ $schema: ['https://json-schema.org/draft/2020-12/schema'] }).message).toMatch(/^inputs: "\$schema" at # is \[/);
  });
});

describe('a refusal names the place of the offending keyword', () => {
  it.each([
    ['inside a prefixItems entry', { prefixItems: [{}, { nullable: true }] }, '#/prefixItems/1/nullable'],
    ['in the items beside prefixItems', { prefixItems: [{}], items: 3 }, '#/items'],
    ['inside an allOf branch', { allOf: [{}, { nullable: true }] }, '#/allOf/1/nullable'],
    ['inside an anyOf branch', { anyOf: [{}, { nullable: true }] }, '#/anyOf/1/nullable'],
    ['inside a oneOf branch', { oneOf: [{ nullable: true }] }, '#/oneOf/0/nullable'],
    ['inside "if"', { if: { nullable: true }, then: {} }, '#/if/nullable'],
    ['inside "then"', { if: {}, then: { nullable: true } }, '#/then/nullable'],
    ['inside "else"', { if: {}, else: { nullable: true } }, '#/else/nullable'],
    ['in "dependentSchemas" that is not an object', { dependentSchemas: [] }, '#/dependentSchemas'],
    ['inside a dependentSchemas entry', { dependentSchemas: { a: { nullable: true } } }, '#/dependentSchemas/a/nullable'],
    ['inside a definition reached through "$ref", at the definition', { $defs: { size: { type: 'text' } }, properties: { w: { $ref: '#/$defs/size' } } }, '#/$defs/size/type'],
    ['at the "$ref" that closes a cycle', { $defs: { node: { properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' }, '#/$defs/node/properties/next/$ref'],
  ])('%s', (_, schema, location) => {
    expect(refusal(schema).message).toContain(at(location));
  });

  it('and an unknown "type" is refused with the list of the seven draft-04 types', () => {
    expect(refusal({ type: 'text' }).message).toContain('"type" "text" is not one of null, boolean, object, array, number, integer, string');
  });
});

describe('dependentRequired', () => {
  it.each([
    ['a string', 'ab'],
    ['null', null],
  ])('that is %s is refused as not an object of string arrays', (_, value) => {
    expect(refusal({ dependentRequired: value }).message).toBe(`${at('#/dependentRequired')} must be an object of string arrays.`);
  });

  it('with a name that is not a string among names is refused at that entry', () => {
    expect(refusal({ dependentRequired: { width: ['height', 7] } }).message).toBe(`${at('#/dependentRequired/width')} must be an array of property names.`);
  });

  it('alone (no dependentSchemas) accepts exactly what 2020-12 accepts', () => {
    agreeOn({ dependentRequired: { width: ['height'] } }, [{}, { height: 1 }, { width: 1 }, { width: 1, height: 1 }]);
  });

  it('a dependentSchemas entry with no dependentRequired twin becomes that schema itself', () => {
    expect(toDraft04({ dependentSchemas: { seed: { required: ['steps'] } } }, WHERE)).toEqual({ dependencies: { seed: { required: ['steps'] } } });
  });
});

describe('prefixItems without items', () => {
  it('leaves further items free, as 2020-12 does', () => {
    agreeOn({ type: 'array', prefixItems: [{ type: 'string' }] }, [[], ['a'], [1], ['a', 1, null]]);
  });
});

describe('allOf and oneOf', () => {
  it('accept exactly what 2020-12 accepts', () => {
    agreeOn({ allOf: [{ type: 'integer' }, { minimum: 3 }] }, [2, 3, 3.5, '3']);
    agreeOn({ oneOf: [{ type: 'integer' }, { minimum: 3 }] }, [2, 3, 3.5, 2.5]);
  });
});

describe('an exclusive bound', () => {
  it('wins over an inclusive maximum of the same value', () => {
    agreeOn({ maximum: 8, exclusiveMaximum: 8 }, [7.9, 8, 8.1]);
  });

  it('is kept when the inclusive bound beside it is not a number', () => {
    expect(toDraft04({ maximum: null, exclusiveMaximum: 8 }, WHERE)).toEqual({ maximum: 8, exclusiveMaximum: true });
  });
});

describe('a "$ref"', () => {
  it.each([
    ['below a definition', { $defs: { a: { properties: { x: { type: 'string' } } } }, properties: { p: { $ref: '#/$defs/a/properties/x' } } }],
    ['into another document', { $defs: { a: { type: 'string' } }, properties: { p: { $ref: 'other.json#/$defs/a' } } }],
  ])('%s is refused: only "#/$defs/<name>" is inlined', (_, schema) => {
    expect(refusal(schema).message).toContain('only "#/$defs/<name>" references are inlined');
  });

  it('into "$defs" that is null points at nothing', () => {
    expect(refusal({ $defs: null, $ref: '#/$defs/a' }).message).toContain('"$ref": "#/$defs/a" points at nothing');
  });

  it('reaches definitions whose names hold "/" and "~", written as ~1 and ~0', () => {
    const schema = {
      $defs: { 'w/h': { type: 'integer' }, 'a~b': { type: 'string' } },
      properties: { size: { $ref: '#/$defs/w~1h' }, name: { $ref: '#/$defs/a~0b' } },
    };
    agreeOn(schema, [{ size: 1, name: 'n' }, { size: 'x' }, { name: 2 }]);
  });
});

describe('the request model', () => {
  const where = 'inputs';
  const closedModel = (schema: JsonSchema, secretInputs?: string[]) =>
    new AjvDraft04({ strict: false }).compile(inputModelSchema(schema, { where, secretInputs }));

  it('of a schema whose type is not object is refused, saying workflow inputs are an object', () => {
    expect(() => inputModelSchema({ type: 'string' }, { where })).toThrow('inputs: "type" at # is "string"; workflow inputs are a JSON object — set "type": "object"');
  });

  it('keeps the top-level constraint of a name also declared in a combinator', () => {
    const accepts = closedModel({
      type: 'object',
      properties: { mode: { enum: ['image', 'video'] } },
      anyOf: [{ properties: { mode: { type: 'string' } } }, { required: ['seed'] }],
    });
    expect(accepts({ mode: 'video' })).toBe(true);
    expect(accepts({ mode: 'audio' })).toBe(false);
  });

  it('accepts a name declared only inside a oneOf branch', () => {
    const accepts = closedModel({ type: 'object', oneOf: [{ properties: { seed: { type: 'integer' } }, required: ['seed'] }] });
    expect(accepts({ seed: 1 })).toBe(true);
    expect(accepts({ seed: 1, other: 1 })).toBe(false);
  });

  it('without secret inputs, lets patternProperties admit any name', () => {
    const accepts = closedModel({ type: 'object', patternProperties: { '.*': { type: 'string' } } });
    expect(accepts({ anything: 'x' })).toBe(true);
  });

  it('refuses a secret input listed only in "required"', () => {
    expect(() => inputModelSchema({ type: 'object', required: ['apiKey'] }, { where, secretInputs: ['apiKey'] })).toThrow(
      /secret input "apiKey" appears in the public input schema/,
    );
  });
});

/** A Standard state machine and the HTTP API in front of it, synthesized once per describe block. */
function synthHttpApi(props: Partial<ArazzoHttpApiProps> = {}): { stack: Stack; template: Template; http: ArazzoHttpApi } {
  const stack = new Stack(new App(), 'RulesStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
  const http = new ArazzoHttpApi(stack, 'Http', {
    stateMachine,
    inputSchema: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string', maxLength: 100 } } },
    ...props,
  });
  return { stack, template: Template.fromStack(stack), http };
}

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
const resourcesOf = (template: Template, type: string) => Object.entries(template.findResources(type)) as Array<[string, Resource]>;
const onlyOf = (template: Template, type: string): Resource => {
  const found = resourcesOf(template, type);
  expect(found).toHaveLength(1);
  return found[0][1];
};

/** Every cdk-nag acknowledgement recorded in the construct tree, as rule id → reason. */
function acknowledgements(root: IConstruct): Array<[string, unknown]> {
  return root.node
    .findAll()
    .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>));
}

describe('the HTTP API with logging on and nothing else set', () => {
  let synthesized: ReturnType<typeof synthHttpApi>;
  beforeAll(() => {
    synthesized = synthHttpApi({ logging: true });
  });

  it('keeps access logs for a year, and keeps them when the stack is deleted', () => {
    const group = onlyOf(synthesized.template, 'AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.DeletionPolicy).toBe('Retain');
  });

  it('logs the request path when there is no callback route', () => {
    const format = JSON.parse((onlyOf(synthesized.template, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting as { Format: string }).Format) as object;
    expect(format).toHaveProperty('path', '$context.path');
  });

  it('gives a reason for every cdk-nag finding it acknowledges', () => {
    const acknowledged = acknowledgements(synthesized.http);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledged) expect({ rule, reason }).toEqual({ rule, reason: expect.stringMatching(/\w{4,} \w+/) });
  });

  it('deploys the stage again when the input model changes', () => {
    const deploymentId = (template: Template) => resourcesOf(template, 'AWS::ApiGateway::Deployment').map(([id]) => id);
    const other = synthHttpApi({ logging: true, inputSchema: { type: 'object', properties: { prompt: { type: 'string', maxLength: 200 } } } });
    expect(deploymentId(other.template)).toHaveLength(1);
    expect(deploymentId(other.template)).not.toEqual(deploymentId(synthesized.template));
  });
});

describe('the HTTP API with a usage plan, chosen log retention and removal, and a callback route', () => {
  let synthesized: ReturnType<typeof synthHttpApi>;
  beforeAll(() => {
    const scope = new Stack(new App(), 'Functions', { env: { account: '123456789012', region: 'eu-west-1' } });
    synthesized = synthHttpApi({
      logging: true,
      cloudWatchRole: true,
      accessLogRetention: logs.RetentionDays.ONE_WEEK,
      accessLogRemovalPolicy: RemovalPolicy.DESTROY,
      usagePlan: {},
      callbacks: {
        handler: lambda.Function.fromFunctionArn(scope, 'Receiver', 'arn:aws:lambda:eu-west-1:123456789012:function:receiver'),
        throttle: { rateLimit: 3, burstLimit: 6 },
      },
    });
  });

  it('keeps access logs as long as asked, and deletes them with the stack when asked', () => {
    const group = onlyOf(synthesized.template, 'AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(7);
    expect(group.DeletionPolicy).toBe('Delete');
  });

  it('meters the stage it serves: the usage plan names this API and stage', () => {
    const { stack, http } = synthesized;
    expect(onlyOf(synthesized.template, 'AWS::ApiGateway::UsagePlan').Properties.ApiStages).toEqual([
      expect.objectContaining({
        ApiId: { Ref: stack.getLogicalId(http.api.node.defaultChild as CfnElement) },
        Stage: { Ref: stack.getLogicalId(http.stage.node.defaultChild as CfnElement) },
      }),
    ]);
  });

  it('serves POST /callbacks/{token} to the receiver as a proxy, the token required, throttled as asked beside the stage-wide limits', () => {
    const { template, stack, http } = synthesized;
    const callback = resourcesOf(template, 'AWS::ApiGateway::Method').find(([id]) => id === stack.getLogicalId(http.callbackMethod!.node.defaultChild as CfnElement))![1];
    expect(callback.Properties).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE', RequestParameters: { 'method.request.path.token': true } });
    expect(callback.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY' });
    expect(onlyOf(template, 'AWS::ApiGateway::Stage').Properties.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR' }),
      { ResourcePath: '/~1callbacks~1{token}', HttpMethod: 'POST', ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
    ]);
  });

  it('leaves the request path, which carries a callback token, out of the access log', () => {
    const format = JSON.parse((onlyOf(synthesized.template, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting as { Format: string }).Format) as object;
    expect(format).not.toHaveProperty('path');
    expect(format).toHaveProperty('resourcePath', '$context.resourcePath');
  });

  it('describes the API key as a metering key of this API, not a credential', () => {
    expect(onlyOf(synthesized.template, 'AWS::ApiGateway::ApiKey').Properties.Description).toBe('Metering key for RulesStack/Http; not a credential.');
  });

  it('gives a reason for every cdk-nag finding it acknowledges, the callback route\'s and the CloudWatch role\'s too', () => {
    const acknowledged = acknowledgements(synthesized.http);
    expect(acknowledged.map(([rule]) => rule)).toEqual(
      expect.arrayContaining([expect.stringContaining('AwsSolutions-APIG4'), expect.stringContaining('AwsSolutions-IAM4')]),
    );
    for (const [rule, reason] of acknowledged) expect({ rule, reason }).toEqual({ rule, reason: expect.stringMatching(/\w{4,} \w+/) });
  });
});
