import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ArazzoWorkflow, type ArazzoWorkflowProps } from './arazzo-workflow.ts';
import { ArazzoHttpApi, type ArazzoHttpApiProps } from './http-api/arazzo-http-api.ts';

export interface ArazzoWorkflowStackProps extends StackProps {
  /** The workflow to deploy and how. */
  readonly workflow: Omit<ArazzoWorkflowProps, 'secret' | 'encryptionKey'>;
  /** Import an existing secret by name or ARN instead of creating one. @default a new secret */
  readonly existingSecret?: string;
  /** Settings of the HTTP API that starts and reads runs. @default ArazzoHttpApi's defaults */
  readonly httpApi?: Omit<ArazzoHttpApiProps, 'stateMachine' | 'inputSchema' | 'secretInputs' | 'encryptionKey' | 'callbacks'>;
  /** The public callback route, when the workflow has callback-woken waits. @default DEFAULT_CALLBACK_THROTTLE, 64 KiB bodies */
  readonly callbackRoute?: { readonly maxBodyBytes?: number; readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number } };
  /**
   * Create a customer managed KMS key (rotated yearly, kept when the stack is deleted) and encrypt with it the
   * secret, the log groups and the state machines. @default false: AWS owned and AWS managed keys
   */
  readonly kmsKey?: boolean;
}

/** One Arazzo workflow: the state machine, its step runner and secret, and the HTTP API in front of it. */
export class ArazzoWorkflowStack extends Stack {
  public readonly workflow: ArazzoWorkflow;
  public readonly httpApi: ArazzoHttpApi;
  /** Present when `kmsKey` is on. */
  public readonly encryptionKey?: kms.Key;

  constructor(scope: Construct, id: string, props: ArazzoWorkflowStackProps) {
    super(scope, id, props);
    const secret = props.existingSecret
      ? props.existingSecret.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ImportedSecret', props.existingSecret)
        : secretsmanager.Secret.fromSecretNameV2(this, 'ImportedSecret', props.existingSecret)
      : undefined;
    // Kept on delete: the secret and the logs it encrypted are kept too, and would be unreadable without it.
    this.encryptionKey = props.kmsKey
      ? new kms.Key(this, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN, description: `Encrypts the secret, logs and state machines of ${this.stackName}` })
      : undefined;
    const encryptionKey = this.encryptionKey ? { encryptionKey: this.encryptionKey } : {};
    this.workflow = new ArazzoWorkflow(this, 'Workflow', { ...props.workflow, ...(secret ? { secret } : {}), ...encryptionKey });

    const callbackFunction = this.workflow.callbackFunction;
    this.httpApi = new ArazzoHttpApi(this, 'HttpApi', {
      ...props.httpApi,
      stateMachine: this.workflow.stateMachine,
      inputSchema: this.workflow.publicInputSchema,
      secretInputs: this.workflow.secretInputs,
      ...encryptionKey,
      ...(callbackFunction ? { callbacks: { handler: callbackFunction, ...(props.callbackRoute?.throttle ? { throttle: props.callbackRoute.throttle } : {}) } } : {}),
    });
    if (callbackFunction) {
      // Where the step runner points a run's callback URL; the function caps what it reads.
      this.workflow.stepRunner.addEnvironment('CALLBACK_BASE_URL', this.httpApi.callbackBaseUrl!);
      if (props.callbackRoute?.maxBodyBytes !== undefined) {
        (callbackFunction.lambda as lambda.Function).addEnvironment('MAX_CALLBACK_BODY_BYTES', String(props.callbackRoute.maxBodyBytes));
      }
      new CfnOutput(this, 'CallbackUrl', { value: this.httpApi.callbackBaseUrl!, description: 'Public callback route: a run appends its own token; nothing else is served there' });
    }

    new CfnOutput(this, 'ExecutionsUrl', { value: this.httpApi.executionsUrl, description: 'POST to start a run, GET <url>/<executionId> to read it' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'Region', { value: this.region, description: 'The region to sign requests for and to call the AWS CLI in' });
    new CfnOutput(this, 'ConsoleUrl', { value: this.workflow.consoleUrl, description: 'Watch runs in the Step Functions console' });
    if (this.workflow.secret) {
      new CfnOutput(this, 'SecretName', {
        value: this.workflow.secret.secretName,
        description: 'Put the API key here: aws secretsmanager put-secret-value --secret-id <name> --secret-string <key>',
      });
    }
  }
}
