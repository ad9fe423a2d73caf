/**
 * The caller → run-input boundary at API Gateway, rule by rule: the 2020-12 input schema becomes a draft-04 model
 * that accepts exactly the same bodies (checked with ajv's 2020-12 and draft-04 validators side by side), or
 * synthesis stops naming the keyword, where it is and the fix; the model stays closed to names the schema does not
 * declare, and never admits a secret input.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvDraft04 from 'ajv-draft-04';
import { App, type CfnElement, CfnParameter, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../lib/arazzo/types.ts';
import { ArazzoHttpApi, type ArazzoHttpApiProps } from '../../lib/http-api/arazzo-http-api.ts';
import { SchemaTranslationError, toDraft04 } from '../../lib/http-api/draft04-schema.ts';
import { inputModelSchema } from '../../lib/http-api/input-model.ts';
import { badRequestBodyTemplate } from '../../lib/http-api/mapping-templates.ts';
import { renderGatewayResponse } from '../support/vtl.ts';

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

describe('a whole schema', () => {
  it('that is true or false becomes the draft-04 schema accepting everything or nothing', () => {
    expect(toDraft04(true, WHERE)).toEqual({});
    expect(toDraft04(false, WHERE)).toEqual({ not: {} });
  });

  it.each([
    ['null at the top', null, '#'],
    ['null below', { properties: { a: null } }, '#/properties/a'],
  ])('that is %s is refused as not a schema', (_, schema, location) => {
    expect(refusal(schema).message).toBe(`${at(location)} a schema must be an object or a boolean.`);
  });

  it.each([
    ['a string', 'ab'],
    ['null', null],
  ])('with "properties" that is %s is refused as not an object of schemas', (_, properties) => {
    expect(refusal({ properties }).message).toBe(`${at('#/properties')} must be an object of schemas.`);
  });

  it('names a property holding "/" or "~" in a refusal as JSON Pointer writes it', () => {
    expect(refusal({ properties: { 'w/h': { nullable: true } } }).message).toContain(at('#/properties/w~1h/nullable'));
    expect(refusal({ properties: { 'a~b': { nullable: true } } }).message).toContain(at('#/properties/a~0b/nullable'));
  });

  it('with an additionalProperties schema has that schema translated too', () => {
    agreeOn({ additionalProperties: { const: 1 } }, [{}, { a: 1 }, { a: 2 }]);
  });

  it('with draft-04 style "definitions" resolves "$ref" into them', () => {
    agreeOn({ definitions: { size: { type: 'integer', maximum: 8 } }, properties: { w: { $ref: '#/definitions/size' } } }, [{ w: 8 }, { w: 9 }, { w: 'x' }]);
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

/**
 * A Standard state machine and the HTTP API in front of it. Each test synthesizes its own (a fraction of a second):
 * work done in beforeAll is not attributed to any test by Stryker's per-test coverage, so a test reading a shared
 * synthesis would never be run against the mutants in the code that made it.
 */
function synthHttpApi(props: Partial<ArazzoHttpApiProps> = {}, id = 'Http'): { stack: Stack; template: Template; http: ArazzoHttpApi } {
  const stack = new Stack(new App(), 'RulesStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
  const http = new ArazzoHttpApi(stack, id, {
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
const logicalId = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const accessLogFields = (template: Template) =>
  JSON.parse((onlyOf(template, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting as { Format: string }).Format) as object;

/** Every cdk-nag acknowledgement recorded in the construct tree, as rule id → reason. */
function acknowledgements(root: IConstruct): Array<[string, unknown]> {
  return root.node
    .findAll()
    .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>));
}
const acknowledgedRules = (root: IConstruct) => acknowledgements(root).map(([rule]) => /AwsSolutions-[A-Z]+\d+/.exec(rule)?.[0]);

function expectEveryAcknowledgementToGiveAReason(root: IConstruct): void {
  const acknowledged = acknowledgements(root);
  expect(acknowledged.length).toBeGreaterThan(0);
  for (const [rule, reason] of acknowledged) expect({ rule, reason }).toEqual({ rule, reason: expect.stringMatching(/\w{4,} \w+/) });
}

const receiver = (stack: Stack) => lambda.Function.fromFunctionArn(stack, 'Receiver', 'arn:aws:lambda:eu-west-1:123456789012:function:receiver');

describe('the HTTP API by default', () => {
  it('is a regional REST API named after its stack and construct, described generically, with metrics', () => {
    const { template } = synthHttpApi();
    expect(onlyOf(template, 'AWS::ApiGateway::RestApi').Properties).toMatchObject({
      Name: 'RulesStack-Http',
      Description: 'Starts and reads runs of a workflow state machine.',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(onlyOf(template, 'AWS::ApiGateway::Stage').Properties.MethodSettings).toEqual([expect.objectContaining({ MetricsEnabled: true })]);
  });

  it('answers any other 4xx or 5xx with JSON naming the error type', () => {
    const { template } = synthHttpApi();
    const responses = resourcesOf(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties);
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      const response = responses.find((r) => r.ResponseType === type)!;
      const body = renderGatewayResponse((response.ResponseTemplates as Record<string, string>)['application/json'], {
        '$context.error.responseType': 'THROTTLED',
        '$context.error.messageString': '"Too Many Requests"',
      });
      expect(JSON.parse(body)).toEqual({ error: 'THROTTLED', message: 'Too Many Requests' });
    }
  });

  it('declares the Location header of the 202 answer to POST /executions', () => {
    const post = resourcesOf(synthHttpApi().template, 'AWS::ApiGateway::Method').find(([, m]) => m.Properties.HttpMethod === 'POST')![1];
    expect((post.Properties.MethodResponses as unknown[])[0]).toEqual({ StatusCode: '202', ResponseParameters: { 'method.response.header.Location': true } });
  });

  it('says what its integration role is for', () => {
    const { stack, template, http } = synthHttpApi();
    expect(template.toJSON().Resources[logicalId(stack, http.integrationRole)].Properties.Description).toMatch(/start and describe executions of one state machine/);
  });

  it('gives a reason for every cdk-nag finding it acknowledges, among them the stage logging and WAF findings', () => {
    const { http } = synthHttpApi();
    expect(acknowledgedRules(http)).toEqual(expect.arrayContaining(['AwsSolutions-APIG1', 'AwsSolutions-APIG6', 'AwsSolutions-APIG3', 'AwsSolutions-COG4', 'AwsSolutions-IAM5']));
    expectEveryAcknowledgementToGiveAReason(http);
  });

  it('deploys the stage again when the input model changes', () => {
    const deploymentIds = (template: Template) => resourcesOf(template, 'AWS::ApiGateway::Deployment').map(([id]) => id);
    const before = deploymentIds(synthHttpApi().template);
    const after = deploymentIds(synthHttpApi({ inputSchema: { type: 'object', properties: { prompt: { type: 'string', maxLength: 200 } } } }).template);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });
});

describe('400 for a body that breaks the input model', () => {
  it('tells the caller how to find the field: validate against the schema it carries, or run the body locally', () => {
    const body = JSON.parse(renderGatewayResponse(badRequestBodyTemplate({ type: 'object' }), { '$context.requestId': 'r-1' })) as { message: string };
    expect(body.message).toContain('Validate it against inputSchema');
    expect(body.message).toContain('npm start -- --input <body.json>');
  });
});

describe('the HTTP API as configured', () => {
  it('takes the name, description and endpoint type it is given', () => {
    const { template } = synthHttpApi({ apiName: 'renders', description: 'Render farm runs.', endpointType: apigateway.EndpointType.EDGE });
    expect(onlyOf(template, 'AWS::ApiGateway::RestApi').Properties).toMatchObject({
      Name: 'renders',
      Description: 'Render farm runs.',
      EndpointConfiguration: { Types: ['EDGE'] },
    });
  });

  it('does not acknowledge the WAF finding when a web ACL is associated', () => {
    const { http } = synthHttpApi({ webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/w/1' });
    expect(acknowledgedRules(http)).not.toContain('AwsSolutions-APIG3');
  });
});

describe('access logs', () => {
  it('are kept for a year, and kept when the stack is deleted, unless asked otherwise', () => {
    const group = onlyOf(synthHttpApi({ logging: true }).template, 'AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.DeletionPolicy).toBe('Retain');
  });

  it('are kept as long as asked, and deleted with the stack when asked', () => {
    const group = onlyOf(
      synthHttpApi({ logging: true, accessLogRetention: logs.RetentionDays.ONE_WEEK, accessLogRemovalPolicy: RemovalPolicy.DESTROY }).template,
      'AWS::Logs::LogGroup',
    );
    expect(group.Properties.RetentionInDays).toBe(7);
    expect(group.DeletionPolicy).toBe('Delete');
  });

  it('log the request path when there is no callback route, and the stage-logging findings are not acknowledged away', () => {
    const { template, http } = synthHttpApi({ logging: true });
    expect(accessLogFields(template)).toHaveProperty('path', '$context.path');
    expect(acknowledgedRules(http)).not.toContain('AwsSolutions-APIG1');
    expect(acknowledgedRules(http)).not.toContain('AwsSolutions-APIG6');
  });

  it('leave out the request path, which carries a callback token, when there is a callback route', () => {
    const { template } = synthHttpApi({ logging: true, callbacks: { handler: receiver(new Stack(new App(), 'F')) } });
    expect(accessLogFields(template)).not.toHaveProperty('path');
    expect(accessLogFields(template)).toHaveProperty('resourcePath', '$context.resourcePath');
  });
});

describe('a state machine imported from an ARN known only at deploy time', () => {
  it('still synthesizes, its executions derived from the ARN', () => {
    const stack = new Stack(new App(), 'RulesStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const arn = new CfnParameter(stack, 'MachineArn').valueAsString;
    const http = new ArazzoHttpApi(stack, 'Http', { stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Machine', arn), inputSchema: { type: 'object' } });
    expect(acknowledgedRules(http)).toContain('AwsSolutions-IAM5');
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain(':execution:');
  });
});

describe('with a customer managed key', () => {
  it('access logs go to a group named after the whole construct path, encrypted with it; the key lets CloudWatch Logs use it for that group only, and the integration role for this state machine only', () => {
    const stack = new Stack(new App(), 'RulesStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    const stateMachine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
    const longId = `Http${'x'.repeat(300)}`;
    const http = new ArazzoHttpApi(stack, longId, { stateMachine, inputSchema: { type: 'object' }, logging: true, encryptionKey: key });
    const template = Template.fromStack(stack);
    const group = onlyOf(template, 'AWS::Logs::LogGroup').Properties;
    expect(group.KmsKeyId).toEqual({ 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] });
    const groupName = group.LogGroupName as string;
    expect(groupName).toMatch(new RegExp(`^/aws/apigateway/RulesStack${longId}[0-9A-F]{8}-AccessLogs$`));
    const keyPolicy = JSON.stringify(onlyOf(template, 'AWS::KMS::Key').Properties.KeyPolicy);
    expect(keyPolicy).toContain(`:log-group:${groupName}`);
    const rolePolicy = JSON.stringify(
      resourcesOf(template, 'AWS::IAM::Policy').find(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId(stack, http.integrationRole) }]))![1],
    );
    expect(rolePolicy).toContain('kms:EncryptionContext:aws:states:stateMachineArn');
  });
});

describe('the HTTP API with a usage plan', () => {
  it('meters the stage it serves: the usage plan names this API and stage', () => {
    const { stack, template, http } = synthHttpApi({ usagePlan: {} });
    expect(onlyOf(template, 'AWS::ApiGateway::UsagePlan').Properties.ApiStages).toEqual([
      expect.objectContaining({ ApiId: { Ref: logicalId(stack, http.api) }, Stage: { Ref: logicalId(stack, http.stage) } }),
    ]);
  });

  it('describes the API key as a metering key of this API, not a credential', () => {
    expect(onlyOf(synthHttpApi({ usagePlan: {} }).template, 'AWS::ApiGateway::ApiKey').Properties.Description).toBe('Metering key for RulesStack/Http; not a credential.');
  });
});

describe('the callback route', () => {
  const withCallbacks = (throttle?: { rateLimit: number; burstLimit: number }) =>
    synthHttpApi({ logging: true, callbacks: { handler: receiver(new Stack(new App(), 'F')), throttle } });

  it('serves POST /callbacks/{token} to the receiver as a proxy, without AWS signatures, the token required', () => {
    const { stack, template, http } = withCallbacks();
    const callback = template.toJSON().Resources[logicalId(stack, http.callbackMethod!)] as Resource;
    expect(callback.Properties).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE', RequestParameters: { 'method.request.path.token': true } });
    expect(callback.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY' });
  });

  it('is throttled as asked, beside the stage-wide limits it keeps', () => {
    expect(onlyOf(withCallbacks({ rateLimit: 3, burstLimit: 6 }).template, 'AWS::ApiGateway::Stage').Properties.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR' }),
      { ResourcePath: '/~1callbacks~1{token}', HttpMethod: 'POST', ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
    ]);
  });

  it('gives runs the base URL a token is appended to', () => {
    const { stack, http } = withCallbacks();
    const url = JSON.stringify(stack.resolve(http.callbackBaseUrl));
    expect(url).toContain(`{"Ref":"${logicalId(stack, http.api)}"}`);
    expect(url).toMatch(/\.execute-api\.".*"\/v1\/callbacks\/"/);
  });

  it('gives a reason for every cdk-nag finding it acknowledges, the unsigned route\'s and the CloudWatch role\'s too', () => {
    const { http } = synthHttpApi({ cloudWatchRole: true, callbacks: { handler: receiver(new Stack(new App(), 'F')) } });
    expect(acknowledgedRules(http)).toEqual(expect.arrayContaining(['AwsSolutions-APIG4', 'AwsSolutions-IAM4']));
    expectEveryAcknowledgementToGiveAReason(http);
    // The unsigned route's reason names what protects it instead of a signature.
    const unsigned = acknowledgements(http).find(([rule]) => rule.includes('AwsSolutions-APIG4'))![1];
    expect(unsigned).toMatch(/per-run 256-bit token.*single use, expiring/);
  });
});
