/**
 * ArazzoHttpApi synthesized in a small stack with a Standard state machine: the methods, their
 * authorization, validation, integrations, the role's exact permissions, logging and options. The
 * synthesized request templates are also rendered (tokens replaced by sample values), so what is
 * asserted is what CloudFormation would deploy.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import { ArazzoHttpApi, type ArazzoHttpApiProps } from '../lib/http-api/arazzo-http-api.ts';
import { renderRequestTemplate } from './support/vtl.ts';

const INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['engine', 'prompt'],
  properties: {
    engine: { type: 'string' },
    prompt: { type: 'string', minLength: 1, maxLength: 1500 },
    quantity: { type: 'integer', minimum: 1, maximum: 10 },
  },
};

interface Synthesized {
  stack: Stack;
  template: Template;
  http: ArazzoHttpApi;
  stateMachine: sfn.StateMachine;
}

function synth(
  props: Partial<ArazzoHttpApiProps> = {},
  machine: sfn.StateMachineProps = {},
  extend: (stack: Stack, http: ArazzoHttpApi) => void = () => {},
): Synthesized {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
    ...machine,
  });
  const http = new ArazzoHttpApi(stack, 'Http', { stateMachine, inputSchema: INPUT_SCHEMA, ...props });
  extend(stack, http);
  return { stack, template: Template.fromStack(stack), http, stateMachine };
}

type Resource = { Type: string; Properties: Record<string, unknown> };

function only(template: Template, type: string, props: Record<string, unknown> = {}): Resource {
  const found = Object.values(template.findResources(type, { Properties: props })) as Resource[];
  expect(found).toHaveLength(1);
  return found[0];
}

function method(template: Template, httpMethod: 'POST' | 'GET'): Resource {
  return only(template, 'AWS::ApiGateway::Method', { HttpMethod: httpMethod });
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** Turns Fn::Join / Ref / Fn::GetAtt into text, with sample values for the references. */
function flatten(value: unknown, values: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const record = value as Record<string, unknown>;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => flatten(part, values)).join(separator);
  }
  const key = 'Ref' in record ? String(record.Ref) : (record['Fn::GetAtt'] as string[]).join('.');
  if (!(key in values)) throw new Error(`no sample value for ${key}`);
  return values[key];
}

describe('ArazzoHttpApi', () => {
  it('has POST /executions and GET /executions/{id}, both requiring IAM authorization', () => {
    const { template } = synth();
    expect(method(template, 'POST').Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method(template, 'GET').Properties.AuthorizationType).toBe('AWS_IAM');
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'executions' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{id}' });
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
  });

  it('validates bodies and parameters, POST bodies against the draft-04 input model', () => {
    const { template } = synth();
    only(template, 'AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    const model = only(template, 'AWS::ApiGateway::Model', { ContentType: 'application/json' });
    expect(model.Properties.Schema).toEqual({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      required: ['engine', 'prompt'],
      properties: {
        engine: { type: 'string' },
        prompt: { type: 'string', minLength: 1, maxLength: 1500 },
        quantity: { type: 'integer', minimum: 1, maximum: 10 },
      },
      additionalProperties: false,
    });
    const post = method(template, 'POST').Properties;
    expect(post.RequestValidatorId).toEqual({ Ref: expect.stringMatching(/RequestValidator/) });
    expect(post.RequestModels).toEqual({ 'application/json': { Ref: expect.stringMatching(/InputModel/) } });
    expect(post.RequestParameters).toEqual({ 'method.request.header.Idempotency-Key': false });
    expect(method(template, 'GET').Properties.RequestParameters).toEqual({ 'method.request.path.id': true });
  });

  it('answers a bad body with 400 whose fixed JSON body carries the input model, never the unescapable validation message', () => {
    const { template, http } = synth();
    const response = only(template, 'AWS::ApiGateway::GatewayResponse', { ResponseType: 'BAD_REQUEST_BODY' });
    expect(response.Properties.StatusCode).toBe('400');
    const body = (response.Properties.ResponseTemplates as Record<string, string>)['application/json'];
    expect(body).not.toContain('validationErrorString');
    expect(JSON.parse(body.replace('$context.requestId', 'id'))).toMatchObject({ error: 'BadRequestBody', inputSchema: http.inputModelSchema });
  });

  it('integrates POST with StartExecution: 202, then 400/409/429 from 4xx, 502 from 5xx', () => {
    const { template } = synth();
    const post = method(template, 'POST').Properties;
    const integration = post.Integration as Record<string, unknown>;
    expect(integration).toMatchObject({ Type: 'AWS', IntegrationHttpMethod: 'POST', PassthroughBehavior: 'NEVER' });
    expect(JSON.stringify(integration.Uri)).toContain(':states:action/StartExecution');
    expect(integration.IntegrationResponses).toEqual([
      { StatusCode: '202', ResponseTemplates: { 'application/json': expect.stringContaining('statusUrl') } },
      { SelectionPattern: '4\\d{2}', StatusCode: '400', ResponseTemplates: { 'application/json': expect.stringContaining('ExecutionAlreadyExists') } },
      { SelectionPattern: '5\\d{2}', StatusCode: '502', ResponseTemplates: { 'application/json': expect.stringContaining('StepFunctionsUnavailable') } },
    ]);
    const errorTemplate = (integration.IntegrationResponses as Array<{ ResponseTemplates: Record<string, string> }>)[1].ResponseTemplates['application/json'];
    expect(errorTemplate).toContain('#set($context.responseOverride.status = 409)');
    expect((post.MethodResponses as Array<{ StatusCode: string }>).map((r) => r.StatusCode)).toEqual(['202', '400', '409', '429', '502']);
  });

  it('integrates GET with DescribeExecution: 200, then 400/404/429 from 4xx, 502 from 5xx', () => {
    const { template } = synth();
    const get = method(template, 'GET').Properties;
    const integration = get.Integration as Record<string, unknown>;
    expect(JSON.stringify(integration.Uri)).toContain(':states:action/DescribeExecution');
    const responses = integration.IntegrationResponses as Array<Record<string, unknown>>;
    expect(responses.map((r) => [r.SelectionPattern, r.StatusCode])).toEqual([
      [undefined, '200'],
      ['4\\d{2}', '400'],
      ['5\\d{2}', '502'],
    ]);
    expect(JSON.stringify(responses[1].ResponseTemplates)).toContain('#set($context.responseOverride.status = 404)');
    expect((get.MethodResponses as Array<{ StatusCode: string }>).map((r) => r.StatusCode)).toEqual(['200', '400', '404', '429', '502']);
  });

  it('deploys request templates that, rendered, call this state machine and its executions', () => {
    const { template, stack, stateMachine } = synth();
    const machineId = logicalIdOf(stack, stateMachine);
    const values = {
      [machineId]: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Workflow',
      [`${machineId}.Name`]: 'Workflow',
      'AWS::Partition': 'aws',
    };
    const postTemplate = flatten((method(template, 'POST').Properties.Integration as { RequestTemplates: Record<string, unknown> }).RequestTemplates['application/json'], values);
    const start = JSON.parse(renderRequestTemplate(postTemplate, { body: '{"engine":"e","prompt":"it\'s"}', headers: { 'Idempotency-Key': 'k1' } }).text);
    expect(start).toEqual({ stateMachineArn: values[machineId], input: '{"engine":"e","prompt":"it\'s"}', name: 'k1' });

    const getTemplate = flatten((method(template, 'GET').Properties.Integration as { RequestTemplates: Record<string, unknown> }).RequestTemplates['application/json'], values);
    expect(JSON.parse(renderRequestTemplate(getTemplate, { path: { id: 'k1' } }).text)).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Workflow:k1',
    });
  });

  it("gives the integration role exactly StartExecution on the machine and DescribeExecution on its executions", () => {
    const { template, stack, stateMachine, http } = synth();
    const machineId = logicalIdOf(stack, stateMachine);
    const roleId = logicalIdOf(stack, http.integrationRole);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const rolePolicies = policies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    expect(rolePolicies).toHaveLength(1);
    expect((rolePolicies[0].Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } },
      {
        Action: 'states:DescribeExecution',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:execution:', { 'Fn::GetAtt': [machineId, 'Name'] }, ':*']],
        },
      },
    ]);
    expect(template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } })).not.toHaveProperty(roleId);
  });

  it('writes no account-wide setting and no stage logs by default, and traces with X-Ray', () => {
    const { template, http } = synth();
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(http.accessLogGroup).toBeUndefined();
    const stage = only(template, 'AWS::ApiGateway::Stage').Properties;
    expect(stage.AccessLogSetting).toBeUndefined();
    expect(stage.MethodSettings).toEqual([expect.objectContaining({ LoggingLevel: 'OFF', DataTraceEnabled: false })]);
    expect(stage.TracingEnabled).toBe(true);
  });

  it('sets the account-wide CloudWatch role only when asked, and then logs the stage', () => {
    const { template } = synth({ cloudWatchRole: true });
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    expect(only(template, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting).toBeDefined();
  });

  it('logs access as JSON without bodies or secrets, execution errors without data tracing, and traces with X-Ray', () => {
    const { template } = synth({ logging: true });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const stage = only(template, 'AWS::ApiGateway::Stage').Properties;
    expect(stage.StageName).toBe('v1');
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }),
    ]);
    const access = stage.AccessLogSetting as { DestinationArn: unknown; Format: string };
    expect(access.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/AccessLogs/), 'Arn'] });
    // Who called, what they asked for and how it ended, each field a $context variable.
    const fields = JSON.parse(access.Format) as Record<string, string>;
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      status: '$context.status',
      sourceIp: '$context.identity.sourceIp',
      caller: '$context.identity.caller',
      userArn: '$context.identity.userArn',
      apiKeyId: '$context.identity.apiKeyId',
      integrationError: '$context.integration.error',
      errorType: '$context.error.responseType',
    });
    expect(Object.values(fields).every((value) => /^\$context\.[A-Za-z.]+$/.test(value))).toBe(true);
    expect(access.Format).not.toMatch(/\$input|identity\.apiKey"|authorizer|validationErrorString|requestOverride/);
  });

  it('has no usage plan or API key unless asked, and then requires the key on every method', () => {
    const plain = synth().template;
    plain.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    plain.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    expect(method(plain, 'POST').Properties.ApiKeyRequired).toBe(false);

    const metered = synth({ usagePlan: { throttle: { rateLimit: 2, burstLimit: 4 }, quota: { limit: 1000, period: 'DAY' as never } } }).template;
    metered.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    metered.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    metered.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 2, BurstLimit: 4 }, Quota: { Limit: 1000, Period: 'DAY' } });
    expect(method(metered, 'POST').Properties.ApiKeyRequired).toBe(true);
    expect(method(metered, 'GET').Properties.ApiKeyRequired).toBe(true);
    expect(method(metered, 'GET').Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('associates a web ACL when given one', () => {
    const { template } = synth({ webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/w/1' });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/w/1' });
  });

  it('exposes the endpoint and the executions URL', () => {
    const { stack, http } = synth();
    const values = { [logicalIdOf(stack, http.api)]: 'abc123', 'AWS::URLSuffix': 'amazonaws.com', [logicalIdOf(stack, http.stage)]: 'v1' };
    expect(flatten(stack.resolve(http.url), values)).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/');
    expect(flatten(stack.resolve(http.executionsUrl), values)).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/executions');
  });

  it('grants callers execute-api:Invoke on exactly its two routes', () => {
    let callerId = '';
    const { template, stack, http } = synth({}, {}, (scope, api) => {
      const caller = new iam.Role(scope, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
      api.grantInvoke(caller);
      callerId = scope.getLogicalId(caller.node.defaultChild as never);
    });
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: callerId }] } }))[0] as Resource;
    const values = { 'AWS::Partition': 'aws', [logicalIdOf(stack, http.api)]: 'abc123', [logicalIdOf(stack, http.stage)]: 'v1' };
    const statements = (policy.Properties.PolicyDocument as { Statement: Array<{ Action: string; Resource: unknown[] }> }).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:Invoke');
    expect(statements[0].Resource.map((arn) => flatten(arn, values))).toEqual([
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/executions',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/executions/*',
    ]);
  });

  it('works with an imported state machine, deriving the executions from its ARN', () => {
    const app = new App();
    const stack = new Stack(app, 'Imported', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, 'M', 'arn:aws:states:eu-west-1:210987654321:stateMachine:Other');
    new ArazzoHttpApi(stack, 'Http', { stateMachine, inputSchema: INPUT_SCHEMA });
    const text = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(text).toContain('arn:aws:states:eu-west-1:210987654321:execution:Other:*');
  });

  it('refuses an Express state machine, saying why and what to use', () => {
    expect(() => synth({}, { stateMachineType: sfn.StateMachineType.EXPRESS })).toThrow(/EXPRESS.*StateMachineType\.STANDARD/);
  });

  it('refuses at synth time an input schema draft-04 cannot express, naming the keyword and where it is', () => {
    expect(() => synth({ inputSchema: { type: 'object', properties: { tags: { type: 'array', contains: { const: 'x' } } } } })).toThrow(
      /Http: inputSchema: cannot translate #\/properties\/tags\/contains/,
    );
  });

  it('refuses an input schema that would accept a secret input', () => {
    expect(() => synth({ inputSchema: { type: 'object', properties: { apiKey: { type: 'string' } } }, secretInputs: ['apiKey'] })).toThrow(
      /secret input "apiKey"/,
    );
  });
});
