/**
 * Synthesizes the CDK app in-process and takes the state machine definition out of the template:
 * the local runner executes exactly what `cdk deploy` would deploy, not a copy compiled separately.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackPropsFromConfig, type ArazzoAppConfig } from '../lib/app-config.ts';
import { ArazzoWorkflowStack } from '../lib/arazzo-workflow-stack.ts';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import type { AslDefinition } from '../lib/compile/asl.ts';
import { projectRoot } from './workflow-cache.ts';

/** What a local Task override stands in for; it appears in the Task's FunctionName parameter. */
export const LOCAL_STEP_RUNNER_ARN = 'arn:aws:lambda:local:000000000000:function:arazzo-step-runner:1';

export interface SynthesizedWorkflow {
  definition: AslDefinition;
  publicInputSchema: JsonSchema;
  secretInputs: string[];
  stackName: string;
  /** The step runner as `cdk deploy` would upload it (`index.mjs`), when an `outdir` was given to keep it in. */
  stepRunnerBundle?: string;
}

interface StateMachineResource {
  Properties: {
    DefinitionString: string | { 'Fn::Join': [string, unknown[]] };
    DefinitionSubstitutions?: Record<string, unknown>;
  };
}

/** `keepIn`: a directory for the cloud assembly, kept (with the step runner's bundle) instead of a temporary one. */
export function synthesizeWorkflow(config: ArazzoAppConfig, keepIn?: string): SynthesizedWorkflow {
  const outdir = keepIn ?? mkdtempSync(path.join(tmpdir(), 'arazzo-local-'));
  // aws-cdk-lib's built-in CloudFormation template check takes seconds per synth; `cdk synth` runs it.
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    // The feature flags `cdk deploy` synthesizes with (cdk.json). No bundling unless the bundle is kept: a local run
    // runs the step runner in-process.
    const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
    const app = new App({ outdir, context: { ...cdkJson.context, ...(keepIn ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
    const stack = new ArazzoWorkflowStack(app, config.stackName, stackPropsFromConfig(config));
    const template = Template.fromStack(stack);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    if (machines.length !== 1) throw new Error(`expected one state machine in ${config.stackName}, found ${machines.length}`);
    const { DefinitionString, DefinitionSubstitutions = {} } = (machines[0] as StateMachineResource).Properties;
    if (typeof DefinitionString !== 'string') {
      throw new Error('the state machine definition holds deploy-time tokens; the local runner needs a literal definition');
    }
    // Every substitution is a deploy-time reference to the step runner, which runs in-process here.
    let text = DefinitionString;
    for (const key of Object.keys(DefinitionSubstitutions)) text = text.split(`\${${key}}`).join(LOCAL_STEP_RUNNER_ARN);
    return {
      definition: JSON.parse(text) as AslDefinition,
      publicInputSchema: stack.workflow.publicInputSchema,
      secretInputs: config.secretInputs ?? [],
      stackName: config.stackName,
      ...(keepIn ? { stepRunnerBundle: stepRunnerBundle(template, outdir) } : {}),
    };
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
    if (!keepIn) rmSync(outdir, { recursive: true, force: true });
  }
}

function stepRunnerBundle(template: Template, outdir: string): string {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Description?: unknown; Code?: { S3Key?: unknown } } }>;
  const s3Key = functions.find((f) => String(f.Properties.Description ?? '').startsWith('Runs one step of Arazzo workflow'))?.Properties.Code?.S3Key;
  if (typeof s3Key !== 'string') throw new Error('the synthesized stack has no step runner function with an S3 asset');
  return path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
}
