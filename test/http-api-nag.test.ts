/**
 * cdk-nag's AwsSolutions pack, run the way the app runs it (a validation plugin at synth), reports nothing
 * unacknowledged for the HTTP API — with and without the optional usage plan and web ACL. The test stack's
 * own bare state machine is not part of the construct and is left out of the verdict.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ArazzoHttpApi, type ArazzoHttpApiProps } from '../lib/http-api/arazzo-http-api.ts';

interface Finding {
  rule: string;
  severity: string;
  path: string;
}

function nagFindings(props: Partial<ArazzoHttpApiProps> = {}, importedMachineName?: string): Finding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-api-nag-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'NagStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const ownMachine = new sfn.StateMachine(stack, 'Machine', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
    });
    const stateMachine =
      importedMachineName === undefined ? ownMachine : sfn.StateMachine.fromStateMachineName(stack, 'Imported', importedMachineName);
    new ArazzoHttpApi(stack, 'Http', {
      stateMachine,
      inputSchema: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string', maxLength: 100 } } },
      ...props,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch (error) {
      // Any finding fails synthesis; the report says which.
      if (!/validation-report\.json/.test((error as Error).message)) throw error;
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }> }>;
    };
    return report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingConstructs.map((construct) => ({ rule: violation.ruleName, severity: violation.severity, path: construct.constructPath })),
      ),
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('cdk-nag AwsSolutions on the HTTP API', () => {
  it.each([
    ['with the defaults', {}],
    ['with a usage plan and a web ACL', { usagePlan: {}, webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/w/1' }],
    ['with the account CloudWatch role', { cloudWatchRole: true }],
    ['with logging on an account that has the role', { logging: true }],
  ])('reports nothing unacknowledged %s', (_, props) => {
    const findings = nagFindings(props);
    expect(findings.filter((finding) => finding.path.startsWith('NagStack/Http/'))).toEqual([]);
    // The checks did run: the test stack's bare state machine (no logging, no tracing) is reported.
    expect(findings.map((finding) => finding.rule)).toContain('AwsSolutions-SF1');
  });

  it('reports nothing unacknowledged for an imported state machine (its executions ARN is derived from a token)', () => {
    const findings = nagFindings({}, 'SomeoneElsesMachine');
    expect(findings.filter((finding) => finding.path.startsWith('NagStack/Http/'))).toEqual([]);
  });
});
