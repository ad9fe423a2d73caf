import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ArazzoWorkflow, type ArazzoWorkflowProps } from './arazzo-workflow.ts';

export interface ArazzoWorkflowStackProps extends StackProps {
  /** The workflow to deploy and how. */
  readonly workflow: Omit<ArazzoWorkflowProps, 'secret'>;
  /** Import an existing secret by name or ARN instead of creating one. @default a new secret */
  readonly existingSecret?: string;
}

/** One Arazzo workflow: the state machine, its step runner and secret. */
export class ArazzoWorkflowStack extends Stack {
  public readonly workflow: ArazzoWorkflow;

  constructor(scope: Construct, id: string, props: ArazzoWorkflowStackProps) {
    super(scope, id, props);
    const secret = props.existingSecret
      ? props.existingSecret.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ImportedSecret', props.existingSecret)
        : secretsmanager.Secret.fromSecretNameV2(this, 'ImportedSecret', props.existingSecret)
      : undefined;
    this.workflow = new ArazzoWorkflow(this, 'Workflow', { ...props.workflow, ...(secret ? { secret } : {}) });

    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ConsoleUrl', { value: this.workflow.consoleUrl, description: 'Watch runs in the Step Functions console' });
    if (this.workflow.secret) {
      new CfnOutput(this, 'SecretName', {
        value: this.workflow.secret.secretName,
        description: 'Put the API key here: aws secretsmanager put-secret-value --secret-id <name> --secret-string <key>',
      });
    }
  }
}
