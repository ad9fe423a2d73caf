/**
 * Callbacks in the stack: off by default; on (cdk.json arazzo.callbacks.enabled or -c callbacks=on) the poll wait
 * becomes a wake-up wait, a table with a TTL keeps the tokens, one function registers waits and receives
 * callbacks on a public, separately throttled route, and cdk-nag stays clean.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAppConfig } from '../lib/app-config.ts';
import { WAIT_FOR_TASK_TOKEN } from '../lib/compile/wake-wait.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { synthShippedStack } from './support/civitai-stack.ts';
import { unacknowledgedNagFindings } from './support/nag.ts';

const shippedCallbacks = (JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context: { arazzo: { callbacks: Record<string, unknown> } } }).context.arazzo.callbacks;
const on = (extra: Record<string, unknown> = {}) => ({ callbacks: { ...shippedCallbacks, enabled: true, ...extra } });

function definitionText(template: Template): string {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown; DefinitionSubstitutions: Record<string, unknown> } };
  return JSON.stringify(machine.Properties);
}

describe('the shipped stack', () => {
  it('has no callback route, table or wake-up wait unless callbacks are turned on', () => {
    const template = Template.fromStack(synthShippedStack());
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(JSON.stringify(template.findResources('AWS::ApiGateway::Resource'))).not.toContain('callbacks');
    expect(definitionText(template)).not.toContain(WAIT_FOR_TASK_TOKEN);
  });
});

describe('the shipped stack with callbacks on', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthShippedStack(on()));
  });

  it('waits in pollWorkflow\'s loop with a wake-up wait whose registrar is the callback function', () => {
    const text = definitionText(template);
    expect(text).toContain(WAIT_FOR_TASK_TOKEN);
    expect(text).toContain('${CallbackRegistrarFunctionArn}');
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionSubstitutions: Record<string, unknown> } };
    expect(JSON.stringify(machine.Properties.DefinitionSubstitutions.CallbackRegistrarFunctionArn)).toMatch(/CallbacksCurrentVersion/);
  });

  it('adds the Civitai callbacks entry to the submit body through the callbacks overlay', () => {
    const text = definitionText(template);
    expect(text).toContain('workflow:succeeded');
    expect(text).toContain('/callbacks/0/url');
  });

  it('keeps tokens in a pay-per-request table with a TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('serves POST /callbacks/{token} without AWS signatures, throttled on its own', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{token}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'NONE', Integration: Match.objectLike({ Type: 'AWS_PROXY' }) });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/~1callbacks~1{token}', HttpMethod: 'POST', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })]),
    });
    // The executions routes keep IAM authorization.
    expect(Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { AuthorizationType: 'AWS_IAM' } }))).toHaveLength(2);
  });

  it('lets the step runner only put token hashes, and tells it the callback base URL', () => {
    const runner = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => String((f as { Properties: { Description?: string } }).Properties.Description).startsWith('Runs one step')) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    expect(Object.keys(runner.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['CALLBACK_TABLE', 'CALLBACK_BASE_URL']));
    expect(JSON.stringify(runner.Properties.Environment.Variables.CALLBACK_BASE_URL)).toContain('/callbacks/');
    const dynamoActions = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as { Properties: { Statement?: unknown; PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }).Properties.PolicyDocument.Statement)
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(dynamoActions)).toEqual(new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
  });

  it('grants SendTaskSuccess on the state machine only', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('states:SendTask')));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: 'states:SendTaskSuccess', Resource: { Ref: expect.stringMatching(/StateMachine/) } });
  });

  it('leaves the path (which carries a token) out of the access log', () => {
    const logged = Template.fromStack(synthShippedStack({ ...on(), httpApi: { logging: true } }, new App()));
    const stage = Object.values(logged.findResources('AWS::ApiGateway::Stage'))[0] as { Properties: { AccessLogSetting: { Format: string } } };
    expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).not.toHaveProperty('path');
    expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).toHaveProperty('resourcePath');
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedNagFindings((app) => synthShippedStack(on(), app))).toBe('');
  });

  it('says why, in a sentence, for every cdk-nag finding it acknowledges', () => {
    const stack = synthShippedStack(on());
    const acknowledged = stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ where: `${construct.node.path} ${id}`, reason }))),
    );
    expect(acknowledged.map((entry) => entry.where)).toEqual(expect.arrayContaining([expect.stringMatching(/callbacks\/{token}\/POST Annotation::AwsSolutions-APIG4$/), expect.stringMatching(/callbacks\/{token}\/POST Annotation::AwsSolutions-COG4$/)]));
    for (const { where, reason } of acknowledged) expect(reason.length, where).toBeGreaterThanOrEqual(40);
    // The one unsigned route: why it needs no IAM or Cognito authorizer.
    for (const { reason } of acknowledged.filter((entry) => /callbacks\/\{token\}/.test(entry.where))) {
      expect(reason).toMatch(/^The remote API that calls back cannot sign requests: the route is authenticated by the per-run 256-bit token .* throttled on its own\.$/);
    }
  });
});

describe('the -c callbacks switch', () => {
  const context = (callbacks: unknown) => (key: string) =>
    key === 'arazzo' ? { document: 'd.yml', callbacks: shippedCallbacks } : key === 'callbacks' ? callbacks : undefined;
  it('turns callbacks on or off over cdk.json', () => {
    expect(readAppConfig(context('on')).callbacks?.enabled).toBe(true);
    expect(readAppConfig(context('off')).callbacks?.enabled).toBe(false);
    expect(() => readAppConfig(context('maybe'))).toThrow(/say on or off/);
  });
});
