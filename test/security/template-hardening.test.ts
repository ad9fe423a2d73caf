/**
 * Template hardening, read from the synthesized templates: each state machine's role trusts Step Functions only
 * on behalf of that one state machine in this account; execution data stays out of the log group unless the
 * deployment opts in; an optional customer managed KMS key encrypts the secret, every log group and every state
 * machine, with exactly the grants each user of the key needs; cdk-nag stays clean either way.
 */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArazzoWorkflowStack } from '../../lib/arazzo-workflow-stack.ts';
import { childMachineName } from '../../lib/arazzo-workflow.ts';
import { synthShippedStack } from '../support/civitai-stack.ts';
import { projectRoot } from '../support/compile-fixture.ts';
import { unacknowledgedNagFindings } from '../support/nag.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Principal?: Json;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const petShop = (app: App, settings: { kmsKey?: boolean; stateMachineName?: string } = {}) =>
  new ArazzoWorkflowStack(app, 'PetShop', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...(settings.kmsKey ? { kmsKey: true } : {}),
    workflow: {
      documentPath: path.join(projectRoot, 'test/fixtures/compose/pet-shop.arazzo.yml'),
      secretInputs: ['apiKey'],
      serverUrls: { pets: 'https://pets.example.test/v1' },
      ...(settings.stateMachineName ? { stateMachineName: settings.stateMachineName } : {}),
    },
  });

/** `{"Fn::Join": ["", [...]]}` written out with `<Ref>` for each reference, the way a reader of the template sees it. */
function text(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const node = value as Json;
  if (node && 'Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(text).join(separator);
  }
  if (node && 'Ref' in node) return `<${String(node.Ref)}>`;
  if (node && 'Fn::GetAtt' in node) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(value);
}

const resources = (template: Template, type: string) =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, resource]) => resource.Type === type);

/** Each state machine's name with the trust policy of the role it runs with. */
function trustByMachine(template: Template): Array<{ name: string; trust: Statement[] }> {
  const roles = Object.fromEntries(resources(template, 'AWS::IAM::Role'));
  return resources(template, 'AWS::StepFunctions::StateMachine').map(([, machine]) => {
    const [roleId] = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    return {
      name: machine.Properties.StateMachineName as string,
      trust: (roles[roleId]!.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement,
    };
  });
}

/** Identity-policy statements that mention KMS, by the role they are attached to. */
function kmsStatementsOf(template: Template, roleIdPattern: RegExp): Statement[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => roleIdPattern.test(role.Ref)))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('kms:')));
}

describe('the state machine role trusts Step Functions for its own state machine only', () => {
  it('conditions the trust on this account and on the ARN of this state machine (and its executions)', () => {
    const machines = trustByMachine(Template.fromStack(synthShippedStack()));
    expect(machines).toHaveLength(1);
    const [{ name, trust }] = machines as [{ name: string; trust: Statement[] }];
    expect(name).toMatch(/^CivitaiImageGeneration-Workflow-[0-9A-F]{8}$/);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'states.amazonaws.com' } });
    expect(trust[0]!.Condition!.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect((trust[0]!.Condition!.ArnLike!['aws:SourceArn'] as unknown[]).map(text)).toEqual([
      `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${name}`,
      `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}:*`,
    ]);
  });

  it("refuses, under IAM's ArnLike matching, another state machine of the account, even one whose name starts the same", () => {
    const [{ name, trust }] = trustByMachine(Template.fromStack(synthShippedStack())) as [{ name: string; trust: Statement[] }];
    const patterns = (trust[0]!.Condition!.ArnLike!['aws:SourceArn'] as unknown[]).map((pattern) =>
      text(pattern).replace('<AWS::Partition>', 'aws').replace('<AWS::Region>', 'eu-west-1').replace('<AWS::AccountId>', '123456789012'),
    );
    // ArnLike: `*` matches any run of characters within the ARN, `?` one character.
    const allows = (arn: string) => patterns.some((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('.*')}$`).test(arn));
    const arn = (resource: string) => `arn:aws:states:eu-west-1:123456789012:${resource}`;
    expect(allows(arn(`stateMachine:${name}`))).toBe(true);
    expect(allows(arn(`execution:${name}:run-1`))).toBe(true);
    for (const foreign of [`stateMachine:${name}-copy`, `stateMachine:Other`, `execution:${name}-copy:run-1`, `stateMachine:${name.slice(0, -1)}`]) {
      expect(allows(arn(foreign)), foreign).toBe(false);
    }
  });

  it('gives each workflow of a composed document its own role, trusted only for its own state machine', () => {
    const machines = trustByMachine(Template.fromStack(petShop(new App())));
    expect(machines).toHaveLength(3);
    expect(new Set(machines.map((machine) => machine.name)).size).toBe(3);
    for (const { name, trust } of machines) {
      const sources = (trust[0]!.Condition!.ArnLike!['aws:SourceArn'] as unknown[]).map(text);
      expect(sources).toEqual([expect.stringMatching(new RegExp(`:stateMachine:${name}$`)), expect.stringMatching(new RegExp(`:execution:${name}:\\*$`))]);
    }
  });

  it('uses the configured name, <name>-<workflow key> for the workflows it runs, cut to 80 characters with a hash', () => {
    const names = trustByMachine(Template.fromStack(petShop(new App(), { stateMachineName: 'pets' }))).map((machine) => machine.name).sort();
    expect(names).toEqual(['pets', 'pets-place-order', 'pets-read-receipt']);
    const long = childMachineName('a'.repeat(70), 'a-workflow-key-that-is-long');
    expect(long).toHaveLength(80);
    expect(long).not.toBe(childMachineName('a'.repeat(70), 'a-workflow-key-that-is-longer'));
  });
});

describe('execution data in the log group', () => {
  const loggingOf = (settings: Record<string, unknown>) =>
    resources(Template.fromStack(synthShippedStack(settings)), 'AWS::StepFunctions::StateMachine')[0]![1].Properties.LoggingConfiguration as Json;

  it('logs every event without its input and output by default', () => {
    expect(loggingOf({})).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  it('includes execution data when cdk.json sets includeExecutionData', () => {
    expect(loggingOf({ includeExecutionData: true })).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
  });
});

describe('without a customer managed key', () => {
  it('creates no key and names none on the secret, the log groups or the state machine', () => {
    const template = Template.fromStack(synthShippedStack({ httpApi: { logging: true } }));
    template.resourceCountIs('AWS::KMS::Key', 0);
    for (const [, group] of resources(template, 'AWS::Logs::LogGroup')) expect(group.Properties.KmsKeyId).toBeUndefined();
    for (const [, secret] of resources(template, 'AWS::SecretsManager::Secret')) expect(secret.Properties.KmsKeyId).toBeUndefined();
    for (const [, machine] of resources(template, 'AWS::StepFunctions::StateMachine')) expect(machine.Properties.EncryptionConfiguration).toBeUndefined();
  });
});

describe('with a customer managed key (cdk.json "kmsKey": true)', () => {
  let template: Template;
  let keyId: string;
  let keyPolicy: Statement[];
  beforeAll(() => {
    template = Template.fromStack(synthShippedStack({ kmsKey: true, httpApi: { logging: true } }));
    const keys = resources(template, 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    keyId = keys[0]![0];
    keyPolicy = (keys[0]![1].Properties.KeyPolicy as { Statement: Statement[] }).Statement;
  });
  const keyArn = () => ({ 'Fn::GetAtt': [keyId, 'Arn'] });

  it('creates one key with yearly rotation, kept when the stack is deleted', () => {
    expect(resources(template, 'AWS::KMS::Key')[0]![1].Properties.EnableKeyRotation).toBe(true);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('encrypts the secret, the state machine and every log group (state machine, step runner, REST API access logs)', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyArn() });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: keyArn() } });
    const groups = resources(template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(3);
    for (const [, group] of groups) expect(group.Properties.KmsKeyId).toEqual(keyArn());
  });

  it("lets CloudWatch Logs use the key for exactly these log groups (the encryption context names each group's ARN)", () => {
    const logsStatements = keyPolicy.filter((statement) => text(statement.Principal?.Service) === 'logs.<AWS::Region>.amazonaws.com');
    const allowedGroups = logsStatements.map((statement) => text(statement.Condition!.ArnEquals!['kms:EncryptionContext:aws:logs:arn']));
    const groupArns = resources(template, 'AWS::Logs::LogGroup').map(
      ([, group]) => `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${group.Properties.LogGroupName as string}`,
    );
    expect(allowedGroups.sort()).toEqual(groupArns.sort());
  });

  it('lets the state machine role and the REST API integration role use the key only for this state machine', () => {
    const machine = resources(template, 'AWS::StepFunctions::StateMachine')[0]!;
    const name = machine[1].Properties.StateMachineName as string;
    const [machineGrant] = kmsStatementsOf(template, /WorkflowStateMachineRole/);
    expect(machineGrant).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn() });
    expect(text(machineGrant!.Condition!.StringEquals!['kms:EncryptionContext:aws:states:stateMachineArn'])).toMatch(new RegExp(`:stateMachine:${name}$`));
    expect(kmsStatementsOf(template, /IntegrationRole/)).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: keyArn(),
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': { Ref: machine[0] } } },
      },
    ]);
  });

  it('lets the step runner decrypt the secret through Secrets Manager only', () => {
    const runnerGrants = keyPolicy.filter((statement) => text(statement.Principal?.AWS).includes('StepRunnerRole'));
    expect(runnerGrants).toEqual([
      expect.objectContaining({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
    ]);
  });

  it('lets a parent workflow start and read the executions of the workflows it runs, with their encryption context', () => {
    const composed = Template.fromStack(petShop(new App(), { kmsKey: true }));
    const machines = resources(composed, 'AWS::StepFunctions::StateMachine');
    const parent = machines.find(([, machine]) => 'WorkflowArn_place_2dorder' in (machine.Properties.DefinitionSubstitutions as Json))!;
    const [parentRoleId] = (parent[1].Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const contexts = kmsStatementsOf(composed, new RegExp(`^${parentRoleId}$`)).map((statement) =>
      text(statement.Condition?.StringEquals?.['kms:EncryptionContext:aws:states:stateMachineArn']),
    );
    const childRef = text(parent[1].Properties.DefinitionSubstitutions && (parent[1].Properties.DefinitionSubstitutions as Json).WorkflowArn_place_2dorder);
    expect(contexts).toContain(childRef);
  });
});

describe('cdk-nag AwsSolutions with the hardened template', () => {
  it.each([
    ['the shipped stack with a key and REST API logging', (app: App) => void synthShippedStack({ kmsKey: true, httpApi: { logging: true } }, app)],
    ['a composed document with a key', (app: App) => void petShop(app, { kmsKey: true })],
  ])('reports no unacknowledged finding for %s', (_, build) => {
    expect(unacknowledgedNagFindings(build)).toBe('');
  });
});
