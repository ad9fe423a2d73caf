/**
 * Synthesizes the CDK app in-process and takes the state machine definition out of the template:
 * the local runner executes exactly what `cdk deploy` would deploy, not a copy compiled separately.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackPropsFromConfig, type ArazzoAppConfig } from '../lib/app-config.ts';
import { ArazzoWorkflowStack } from '../lib/arazzo-workflow-stack.ts';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import type { AslDefinition } from '../lib/compile/asl.ts';
import { projectRoot } from './workflow-cache.ts';

/** A state machine of the template, as the local runner names it. */
export const localStateMachineArn = (logicalId: string) => `arn:aws:states:local:000000000000:stateMachine:${logicalId}`;

/**
 * A definition with its substitutions made: the step runner (run in-process here) and, for workflows that run
 * workflows, the ARNs of the state machines of the same template (`{ Ref: <logical id> }`).
 */
function localDefinition(machine: StateMachineResource, machines: Record<string, StateMachineResource>): AslDefinition {
  const { DefinitionString, DefinitionSubstitutions = {} } = machine.Properties;
  if (typeof DefinitionString !== 'string') {
    throw new Error('the state machine definition holds deploy-time tokens; the local runner needs a literal definition');
  }
  let text = DefinitionString;
  for (const [key, value] of Object.entries(DefinitionSubstitutions)) {
    const ref = (value as { Ref?: unknown }).Ref;
    const local = typeof ref === 'string' && machines[ref] ? localStateMachineArn(ref) : LOCAL_STEP_RUNNER_ARN;
    text = text.split(`\${${key}}`).join(local);
  }
  return JSON.parse(text) as AslDefinition;
}

/** What a local Task override stands in for; it appears in the Task's FunctionName parameter. */
export const LOCAL_STEP_RUNNER_ARN = 'arn:aws:lambda:local:000000000000:function:arazzo-step-runner:1';

export interface SynthesizedWorkflow {
  definition: AslDefinition;
  /** The workflows it runs as nested executions: definitions by local state machine ARN. */
  stateMachines: Record<string, AslDefinition>;
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
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, StateMachineResource>;
    const rootId = stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement);
    if (!machines[rootId]) throw new Error(`the state machine ${rootId} is not in ${config.stackName}`);
    const stateMachines = Object.fromEntries(
      Object.entries(machines).filter(([id]) => id !== rootId).map(([id, machine]) => [localStateMachineArn(id), localDefinition(machine, machines)]),
    );
    return {
      definition: localDefinition(machines[rootId], machines),
      stateMachines,
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
