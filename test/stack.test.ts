import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../lib/compile/asl.ts';
import { validateAsl } from './support/compile-fixture.ts';
import { readAppConfig, stackPropsFromConfig } from '../lib/app-config.ts';
import { shippedConfig, synthShippedStack } from './support/civitai-stack.ts';
import { unacknowledgedNagFindings } from './support/nag.ts';

/** The definition as deployed: the DefinitionString with the step runner's ARN substituted by CloudFormation. */
function deployedDefinition(template: Template): AslDefinition {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
    Properties: { DefinitionString: string | { 'Fn::Join': [string, unknown[]] } };
  };
  const raw = machine.Properties.DefinitionString;
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text) as AslDefinition;
}

describe('the Civitai stack', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthShippedStack());
  });

  it('deploys a Standard state machine with logging of all events and X-Ray tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('compiles the shipped document into one task per step, valid ASL', () => {
    const definition = deployedDefinition(template);
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task').map(([n]) => n);
    expect(tasks).toEqual(['submitGeneration', 'pollWorkflow', 'readOutputs']);
    expect(validateAsl(definition)).toEqual([]);
    expect(definition.States['pollWorkflow: failed']).toMatchObject({ Type: 'Fail', Error: 'failed' });
  });

  it('invokes a published version of the step runner, kept after later deploys so runs in flight keep working', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: { StepRunnerFunctionArn: { Ref: Match.stringLikeRegexp('StepRunnerCurrentVersion') } },
    });
    template.hasResource('AWS::Lambda::Version', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const invoke = (Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
    }>)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([
      expect.objectContaining({ Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/StepRunner/), 'Arn'] }, ':*']] } }),
    ]);
  });

  it('runs the step runner on Node.js 22 or newer, bundled locally', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => (f as { Properties: { Handler?: string } }).Properties.Handler === 'index.handler',
    ) as { Properties: { Runtime: string; Environment: { Variables: Record<string, unknown> } } };
    expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
    expect(fn.Properties.Environment.Variables).toHaveProperty('SECRET_ARN');
  });

  it('lets the step runner read only its own secret', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
    }>;
    const secretStatements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretStatements.length).toBeGreaterThan(0);
    for (const statement of secretStatements) {
      expect([statement.Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      expect(statement.Resource).toEqual({ Ref: expect.stringMatching(/^WorkflowSecret[0-9A-F]{8}$/) });
    }
  });

  it('changes no account-wide setting by default: no API Gateway CloudWatch role', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const withRole = Template.fromStack(synthShippedStack({ httpApi: { cloudWatchRole: true } }, new App()));
    withRole.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  it('logs the state machine to a log group under /aws/vendedlogs/states/', () => {
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
      Properties: { LoggingConfiguration: { Destinations: Array<{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }> } };
    };
    const groupId = machine.Properties.LoggingConfiguration.Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    const group = template.toJSON().Resources[groupId] as { Properties: { LogGroupName: string } };
    expect(group.Properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\/CivitaiImageGeneration\w+$/);
  });

  it('outputs the state machine ARN, the console link, the secret name, the region and the REST API endpoint', () => {
    template.hasOutput('Region', {});
    template.hasOutput('StateMachineArn', {});
    template.hasOutput('ConsoleUrl', {});
    template.hasOutput('SecretName', {});
    template.hasOutput('ExecutionsUrl', {});
  });

  it('starts runs of this state machine from an IAM-authorized HTTP API whose model refuses the secret input', () => {
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM' }, 2);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      Integration: Match.objectLike({ Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('states:action/StartExecution')])]) }) }),
    });
    const model = Object.values(template.findResources('AWS::ApiGateway::Model'))[0] as { Properties: { Schema: { properties: object; additionalProperties: boolean } } };
    expect(model.Properties.Schema.additionalProperties).toBe(false);
    expect(Object.keys(model.Properties.Schema.properties)).not.toContain('apiKey');
    expect(Object.keys(model.Properties.Schema.properties)).toContain('prompt');
  });

  it('imports an existing secret instead of creating one, from -c existingSecret or kept in cdk.json', () => {
    const imported = Template.fromStack(synthShippedStack({ existingSecret: 'civitai/api-key' }, new App()));
    imported.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const config = readAppConfig((key) => (key === 'arazzo' ? { ...shippedConfig(), existingSecret: 'civitai/api-key' } : undefined));
    expect(stackPropsFromConfig(config).existingSecret).toBe('civitai/api-key');
  });

  it('applies the overlay by default, and deploys the seed as written when it is switched off', () => {
    const pollPlan = (definition: AslDefinition) => {
      const poll = definition.States.pollWorkflow;
      if (poll?.Type !== 'Task') throw new Error('no poll task');
      return (poll.Parameters.Payload as { plan: string }).plan;
    };
    expect(pollPlan(deployedDefinition(template))).toContain("'scheduled'");
    const seed = deployedDefinition(Template.fromStack(synthShippedStack({ overlay: 'none' }, new App())));
    expect(pollPlan(seed)).not.toContain("'scheduled'");
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding for the stack', () => {
    expect(unacknowledgedNagFindings((app) => void synthShippedStack({}, app))).toBe('');
  });
});
