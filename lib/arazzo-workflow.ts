/**
 * `ArazzoWorkflow`: an Arazzo workflow deployed as a Standard Step Functions state machine whose
 * Task states invoke one generic step-runner Lambda (a published version, so a deploy never changes
 * the code of runs in flight). The definition is compiled from the document at synth time.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { loadArazzo } from './arazzo/load.ts';
import type { JsonSchema } from './arazzo/types.ts';
import type { AslDefinition, AslState } from './compile/asl.ts';
import { STEP_RUNNER_PLACEHOLDER, type CallbackOptions, type CompileOptions } from './compile/compile-options.ts';
import { CALLBACK_REGISTRAR_PLACEHOLDER, WAIT_FOR_TASK_TOKEN } from './compile/wake-wait.ts';
import { workflowArnSubstitution } from './compile/child-workflow.ts';
import { compileWorkflowSet } from './compile/compile-document.ts';
import type { CompiledWorkflow } from './compile/compile-workflow.ts';
import { deployedPlans, deployedPlansDefine } from './compile/plan-digests.ts';
import { contentHash } from './content-hash.ts';
import { allowLogGroupEncryption, grantStateMachineKeyUse } from './encryption.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ArazzoWorkflowProps extends Omit<CompileOptions, 'functionArn' | 'callbackRegistrarArn' | 'callbacks'> {
  /**
   * Callback-woken waits (docs/callbacks.md): the step whose request carries a per-run callback URL, and the
   * polling step whose wait a callback ends early; `overlayPath` is applied after `overlayPath` of the document.
   * The stack's HTTP API serves the public callback route. @default none: plain polling
   */
  readonly callbacks?: CallbackOptions & { readonly overlayPath?: string };
  /** Path of the Arazzo document (relative paths are from the project root). */
  readonly documentPath: string;
  /** An OpenAPI Overlay 1.0 document applied to the Arazzo document before compiling. @default none */
  readonly overlayPath?: string;
  /**
   * Directories (relative paths are from the project root) besides the document's own that its source
   * descriptions may be read from; nothing else is read. @default only the document's directory tree
   */
  readonly allowRoots?: readonly string[];
  /**
   * The secret holding the secret inputs: a JSON object keyed by input name, or a plain string when there
   * is one secret input. @default a new secret, created when `secretInputs` is not empty
   */
  readonly secret?: secretsmanager.ISecret;
  /** How long the step runner caches the secret; a rotated key is picked up after this. @default 5 minutes */
  readonly secretCacheTtl?: Duration;
  /**
   * Name of the state machine; the state machines of the workflows it runs get `<name>-<workflow key>`. The name is
   * fixed at synth time so the role's trust policy can name its one state machine.
   * @default `<stack>-<construct path>-<hash>` (unique in the account and region)
   */
  readonly stateMachineName?: string;
  /** Retention of the state machine and step runner logs. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Put each execution's input, output and state data into the log group (log level ALL). Off, the log group gets
   * every event without its data, so prompts and outputs stay out of it. Either way, the execution history in the
   * Step Functions console (input, output, each state's data) is readable by principals allowed
   * `states:DescribeExecution` / `states:GetExecutionHistory`.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * A customer managed KMS key (symmetric) for the secret this construct creates, its log groups and its state
   * machines (definition and execution history). The key policy of a key created in this app gets the grants
   * CloudWatch Logs needs; an imported key's policy must allow them already.
   * @default AWS owned and AWS managed keys
   */
  readonly encryptionKey?: kms.IKey;
}

const STEP_RUNNER_BUNDLING = {
  minify: true,
  sourceMap: false,
  target: 'node22',
  format: nodejs.OutputFormat.ESM,
  // esbuild's ESM output needs `require` for the few CommonJS dependencies.
  banner: "import { createRequire as __arazzoCreateRequire } from 'module'; const require = __arazzoCreateRequire(import.meta.url);",
  externalModules: ['@aws-sdk/*'],
  logLevel: nodejs.LogLevel.WARNING,
} satisfies nodejs.BundlingOptions;
/** Everything the step-runner bundle is built from: its code, what it imports, the dependency versions (esbuild's too). */
const STEP_RUNNER_SOURCES = ['lambdas', 'lib', 'package-lock.json', 'tsconfig.json'];

export class ArazzoWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The state machines of the workflows this one runs (workflow steps, goto, dependsOn), by workflow key. */
  public readonly workflowStateMachines: ReadonlyMap<string, sfn.StateMachine>;
  public readonly stepRunner: nodejs.NodejsFunction;
  /** The version the Task states invoke. */
  public readonly stepRunnerVersion: lambda.IVersion;
  /** Undefined when the workflow has no secret inputs. */
  public readonly secret?: secretsmanager.ISecret;
  /** The schema a run's input must satisfy (the document's inputs minus the secret ones). */
  public readonly publicInputSchema: JsonSchema;
  /** Inputs resolved inside the step runner from the secret, never accepted in a run's input. */
  public readonly secretInputs: readonly string[];
  /** The compiled definition, before the function ARN is substituted. */
  public readonly definition: AslDefinition;
  public readonly logGroup: logs.LogGroup;
  public readonly consoleUrl: string;
  /**
   * Set when a definition has wake-up waits: the function that registers waits (invoked by the wait Tasks) and
   * receives callbacks (to be served by an API route), and the table of tokens it shares with the step runner.
   */
  public readonly callbackFunction?: lambda.IVersion;
  public readonly callbackTable?: dynamodb.ITable;
  private encryptionKeyForCallbacks?: kms.IKey;

  constructor(scope: Construct, id: string, props: ArazzoWorkflowProps) {
    super(scope, id);
    const loaded = loadArazzo(path.resolve(projectRoot, props.documentPath), {
      ...(props.overlayPath ? { overlay: path.resolve(projectRoot, props.overlayPath) } : {}),
      ...(props.callbacks?.overlayPath ? { overlays: [path.resolve(projectRoot, props.callbacks.overlayPath)] } : {}),
      allowRoots: (props.allowRoots ?? []).map((root) => path.resolve(projectRoot, root)),
    });
    const {
      documentPath: _document,
      overlayPath: _overlay,
      allowRoots: _roots,
      includeExecutionData: _data,
      encryptionKey: _key,
      callbacks,
      ...compileOptions
    } = props;
    const { overlayPath: _callbackOverlay, ...callbackOptions } = callbacks ?? { url: undefined };
    const compiledSet = compileWorkflowSet(loaded, {
      ...compileOptions,
      ...(callbacks ? { callbacks: callbackOptions as CallbackOptions } : {}),
      functionArn: STEP_RUNNER_PLACEHOLDER,
    });
    const compiled = compiledSet.root;
    this.definition = compiled.definition;
    this.publicInputSchema = compiled.publicInputSchema;
    this.secretInputs = compiled.secretInputs;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    if (compiled.secretInputs.length > 0) {
      this.secret =
        props.secret ??
        new secretsmanager.Secret(this, 'Secret', {
          description: `Secret inputs (${compiled.secretInputs.join(', ')}) of Arazzo workflow ${compiled.workflowId}. Set with: aws secretsmanager put-secret-value`,
          removalPolicy: RemovalPolicy.RETAIN,
          encryptionKey: props.encryptionKey,
        });
      if (!props.secret) {
        Validations.of(this.secret).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: 'The secret is a third-party API key that only its issuer can rotate; the step runner re-reads it after its cache TTL.',
        });
      }
    }

    // Every definition whose Tasks invoke this step runner (a child workflow's definition goes here too).
    const stepRunnerDefinitions: AslDefinition[] = [compiled.definition, ...compiledSet.children.map((child) => child.definition)];
    const key = props.encryptionKey;
    // The key policy names the log group, so an encrypted group needs its name before it exists.
    const functionLogsName = `/aws/lambda/${Names.uniqueResourceName(this, { maxLength: 400 })}-StepRunner`;
    const functionLogs = new logs.LogGroup(this, 'StepRunnerLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
      ...(key ? { encryptionKey: key, logGroupName: functionLogsName } : {}),
    });
    if (key) allowLogGroupEncryption(key, functionLogsName);
    const role = new iam.Role(this, 'StepRunnerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Arazzo step runner: write its own logs and traces, read its one secret.',
    });
    functionLogs.grantWrite(role);
    const planDefine = deployedPlansDefine(deployedPlans(stepRunnerDefinitions));
    this.stepRunner = new nodejs.NodejsFunction(this, 'StepRunner', {
      entry: path.join(projectRoot, 'lambdas/step-runner/handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(Math.ceil((props.requestTimeoutMs ?? 10_000) / 1000) + 15),
      role,
      logGroup: functionLogs,
      tracing: lambda.Tracing.ACTIVE,
      // Runs in flight keep invoking the version their definition names, possibly for hours after a deploy.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      description: `Runs one step of Arazzo workflow ${compiled.workflowId}`,
      environment: {
        ...(this.secret ? { SECRET_ARN: this.secret.secretArn } : {}),
        SECRET_CACHE_TTL_SECONDS: String((props.secretCacheTtl ?? Duration.minutes(5)).toSeconds()),
      },
      // Found from the project, not the working directory, so the app synthesizes from anywhere.
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      bundling: {
        // Hashed from what the bundle is built from, not its output: a synth into a cdk.out that already has
        // this asset skips esbuild.
        assetHash: contentHash(projectRoot, STEP_RUNNER_SOURCES, JSON.stringify({ ...STEP_RUNNER_BUNDLING, define: planDefine })),
        ...STEP_RUNNER_BUNDLING,
        // The only plans (and origins) this function will run: an invoke with any other plan is refused.
        define: planDefine,
      },
    });
    this.secret?.grantRead(this.stepRunner);
    this.stepRunnerVersion = this.stepRunner.currentVersion;
    if (stepRunnerDefinitions.some(hasWakeWaits)) {
      const { table, version } = this.callbackInfrastructure(compiled.workflowId, retention, props.requestTimeoutMs, key);
      this.callbackTable = table;
      this.callbackFunction = version;
      // The step runner stores the hash of each callback token it puts in a request.
      this.stepRunner.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }));
      this.stepRunner.addEnvironment('CALLBACK_TABLE', table.tableName);
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support only Resource "*"; log writes are scoped to the function log group streams.',
    });

    // Under /aws/vendedlogs/ the log delivery needs no per-group entry in the account's CloudWatch Logs resource
    // policy, whose 5,120 characters would otherwise run out after a few dozen state machines.
    const stateMachineLogsName = `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 400 })}`;
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', { logGroupName: stateMachineLogsName, retention, removalPolicy: RemovalPolicy.DESTROY, encryptionKey: key });
    if (key) allowLogGroupEncryption(key, stateMachineLogsName);
    // Fixed here, not by CloudFormation: each role's trust policy names its state machine, and an ARN taken from
    // the state machine itself would make the role depend on the machine that depends on the role.
    const rootName = props.stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const settings: MachineSettings = { includeExecutionData: props.includeExecutionData ?? false, key };
    // Every workflow the document needs, each after the workflows it runs: a parent names its children's ARNs.
    const machines = new Map<string, sfn.StateMachine>();
    for (const child of compiledSet.children) {
      machines.set(child.key, this.workflowStateMachine(`Workflow-${child.key}`, child, machines, childMachineName(rootName, child.key), settings));
    }
    this.workflowStateMachines = machines;
    this.stateMachine = this.workflowStateMachine('StateMachine', compiled, machines, rootName, settings);

    const stack = Stack.of(this);
    this.consoleUrl = `https://${stack.region}.console.aws.amazon.com/states/home?region=${stack.region}#/statemachines/view/${this.stateMachine.stateMachineArn}`;
  }

  /** One Standard state machine whose Tasks invoke the step runner and start the workflows it runs, waiting for them. */
  private workflowStateMachine(
    id: string,
    compiled: CompiledWorkflow,
    machines: ReadonlyMap<string, sfn.StateMachine>,
    stateMachineName: string,
    settings: MachineSettings,
  ): sfn.StateMachine {
    const substitutions = Object.fromEntries(compiled.calls.map((key) => [workflowArnSubstitution(key), machines.get(key)!.stateMachineArn]));
    const role = stateMachineRole(this, `${id}Role`, stateMachineName);
    const machine = new sfn.StateMachine(this, id, {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      role,
      definitionBody: sfn.DefinitionBody.fromString(definitionText(compiled.definition, Object.keys(substitutions))),
      definitionSubstitutions: {
        StepRunnerFunctionArn: this.stepRunnerVersion.functionArn,
        ...(this.callbackFunction && hasWakeWaits(compiled.definition) ? { [CALLBACK_REGISTRAR_SUBSTITUTION]: this.callbackFunction.functionArn } : {}),
        ...substitutions,
      },
      tracingEnabled: true,
      // Every event is logged; its input and output (prompts, step outputs) only when the deployment opts in.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: settings.includeExecutionData },
      ...(settings.key ? { encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(settings.key) } : {}),
    });
    // Every version of this one function: a run started before a deploy still invokes the version it started with.
    machine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [`${this.stepRunner.functionArn}:*`] }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'Log delivery and X-Ray actions support only Resource "*" (CDK adds them for logging and tracing).',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.stepRunner.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'Invoke is allowed on the versions of the one step-runner function, so runs started before a deploy keep working.',
    });
    for (const key of compiled.calls) this.allowNestedRuns(machine, machines.get(key)!, settings.key);
    if (this.callbackFunction && hasWakeWaits(compiled.definition)) this.allowWakeWaits(machine, id);
    return machine;
  }

  /** The callback table (TTL, point-in-time recovery) and the function that registers waits and receives callbacks. */
  private callbackInfrastructure(
    workflowId: string,
    retention: logs.RetentionDays,
    requestTimeoutMs: number | undefined,
    key: kms.IKey | undefined,
  ): { table: dynamodb.Table; version: lambda.IVersion } {
    const table = new dynamodb.Table(this, 'CallbackTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Only hashes of callback tokens and task tokens that expire within hours: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logsName = `/aws/lambda/${Names.uniqueResourceName(this, { maxLength: 400 })}-Callbacks`;
    const logGroup = new logs.LogGroup(this, 'CallbackLogs', { retention, removalPolicy: RemovalPolicy.DESTROY, ...(key ? { encryptionKey: key, logGroupName: logsName } : {}) });
    if (key) allowLogGroupEncryption(key, logsName);
    this.encryptionKeyForCallbacks = key;
    const role = new iam.Role(this, 'CallbackRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Arazzo callbacks: keep and take wake-ups in the callback table, succeed the waiting task tokens, write its logs.',
    });
    logGroup.grantWrite(role);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [table.tableArn] }));
    const fn = new nodejs.NodejsFunction(this, 'Callbacks', {
      entry: path.join(projectRoot, 'lambdas/callbacks/handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(Math.max(10, Math.ceil((requestTimeoutMs ?? 10_000) / 1000))),
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      description: `Registers wake-up waits and receives callbacks of Arazzo workflow ${workflowId}`,
      environment: { CALLBACK_TABLE: table.tableName },
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      bundling: {
        assetHash: contentHash(projectRoot, STEP_RUNNER_SOURCES, JSON.stringify({ ...STEP_RUNNER_BUNDLING, entry: 'callbacks' })),
        ...STEP_RUNNER_BUNDLING,
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support only Resource "*"; log writes are scoped to the function log group streams.',
    });
    return { table, version: fn.currentVersion };
  }

  /**
   * A machine with wake-up waits invokes the callback function, which may succeed its task tokens. That grant is a
   * policy of its own: the function does not wait for it, so the machine can name the function's version.
   */
  private allowWakeWaits(machine: sfn.StateMachine, id: string): void {
    const fn = this.callbackFunction!;
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    const key = this.encryptionKeyForCallbacks;
    new iam.Policy(this, `${id}TaskResponse`, {
      roles: [fn.lambda.role!],
      statements: [
        new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [machine.stateMachineArn] }),
        // A task's output is encrypted with the state machine's key.
        ...(key
          ? [
              new iam.PolicyStatement({
                actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
                resources: [key.keyArn],
                conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': machine.stateMachineArn } },
              }),
            ]
          : []),
      ],
    });
  }

  /**
   * What startExecution.sync:2 needs: start the child, describe and stop its executions, and the managed
   * EventBridge rule through which Step Functions learns that a child finished.
   */
  private allowNestedRuns(parent: sfn.StateMachine, child: sfn.StateMachine, key: kms.IKey | undefined): void {
    child.grantStartExecution(parent);
    // Starting an execution of an encrypted state machine, and reading it, use its key.
    if (key) grantStateMachineKeyUse(parent, key, child.stateMachineArn);
    const childMachine = child.node.defaultChild as sfn.CfnStateMachine;
    parent.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [`arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${childMachine.attrName}:*`],
      }),
    );
    parent.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
      }),
    );
    const childId = Stack.of(this).getLogicalId(childMachine);
    Validations.of(parent.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${childId}.Name>:*]`,
      reason: 'DescribeExecution and StopExecution of a nested workflow are allowed on the executions of that one state machine, whose names Step Functions chooses.',
    });
  }
}

const CALLBACK_REGISTRAR_SUBSTITUTION = CALLBACK_REGISTRAR_PLACEHOLDER.slice(2, -1);

/** Whether a definition has a wake-up wait (a callback-woken poll wait, a receive step). */
function hasWakeWaits(definition: AslDefinition): boolean {
  return Object.values(definition.States).some((state) => state.Type === 'Task' && state.Resource === WAIT_FOR_TASK_TOKEN);
}

interface MachineSettings {
  includeExecutionData: boolean;
  key: kms.IKey | undefined;
}

/** State machine names: 1 to 80 characters of A-Z, a-z, 0-9, - and _ here. */
const MAX_STATE_MACHINE_NAME = 80;

/** `<root>-<workflow key>`, shortened with a hash of the whole when it would pass 80 characters. */
export function childMachineName(rootName: string, workflowKey: string): string {
  const name = `${rootName}-${workflowKey.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  if (name.length <= MAX_STATE_MACHINE_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_STATE_MACHINE_NAME - hash.length - 1)}-${hash}`;
}

/**
 * The role one state machine runs with. Step Functions may assume it only on behalf of that state machine (or its
 * executions) in this account: a confused deputy cannot lend it to another state machine.
 */
function stateMachineRole(scope: Construct, id: string, stateMachineName: string): iam.Role {
  const arn = (resource: string) => `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': [arn(`stateMachine:${stateMachineName}`), arn(`execution:${stateMachineName}:*`)] },
      },
    }),
    description: `Runs state machine ${stateMachineName}: invoke its step runner, log, trace.`,
  });
}

/**
 * The definition as CloudFormation receives it. CloudFormation substitutes `${...}` in a definition that has
 * DefinitionSubstitutions, so every `${` is written as the JSON escape `\u0024{`, which Step Functions reads back
 * as `${`. Only the placeholders the compiler itself wrote (a Task's `FunctionName` or `StateMachineArn` whose whole
 * value is one of the substitutions) stay substitutions: the same text anywhere a document put it stays literal.
 */
export function definitionText(definition: AslDefinition, workflowArnSubstitutions: readonly string[] = []): string {
  const names = new Set([STEP_RUNNER_PLACEHOLDER.slice(2, -1), CALLBACK_REGISTRAR_SUBSTITUTION, ...workflowArnSubstitutions]);
  const raw = JSON.stringify(definition);
  let marker = 'arazzo-substitution';
  while (raw.includes(marker)) marker += '-';
  const marked = structuredClone(definition);
  markPlaceholders(marked.States, names, marker);
  let text = JSON.stringify(marked, null, 2).split('${').join('\\u0024{');
  for (const name of names) text = text.split(`"${marker}:${name}"`).join(`"\${${name}}"`);
  return text;
}

/** Replaces each compiler-written placeholder by `<marker>:<name>`, a text no document value contains. */
function markPlaceholders(states: Record<string, AslState>, names: ReadonlySet<string>, marker: string): void {
  for (const state of Object.values(states)) {
    const nested = state as { Branches?: Array<{ States?: Record<string, AslState> }>; ItemProcessor?: { States?: Record<string, AslState> }; Iterator?: { States?: Record<string, AslState> } };
    for (const branch of nested.Branches ?? []) if (branch.States) markPlaceholders(branch.States, names, marker);
    for (const inner of [nested.ItemProcessor, nested.Iterator]) if (inner?.States) markPlaceholders(inner.States, names, marker);
    if (state.Type !== 'Task') continue;
    for (const field of ['FunctionName', 'StateMachineArn']) {
      const name = /^\$\{([^{}]+)\}$/.exec(String(state.Parameters[field] ?? ''))?.[1];
      if (name !== undefined && names.has(name)) state.Parameters[field] = `${marker}:${name}`;
    }
  }
}
