/**
 * What a customer managed KMS key needs to serve the log groups and state machines of a deployment: CloudWatch
 * Logs may use it for exactly the named log groups, and whoever starts or reads executions of an encrypted state
 * machine may use it for that state machine's data only (Step Functions passes the state machine ARN as the
 * encryption context).
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Lets CloudWatch Logs encrypt and read the log group `logGroupName` (a literal name: the group's own `logGroupName`
 * token would make the key depend on the group that depends on the key). An imported key's policy cannot be
 * changed here; it must already allow this.
 */
export function allowLogGroupEncryption(key: kms.IKey, logGroupName: string): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroupName}` },
      },
    }),
  );
}

/**
 * StartExecution on a state machine encrypted with `key` needs kms:GenerateDataKey, DescribeExecution kms:Decrypt,
 * both for that state machine's encryption context only.
 */
export function grantStateMachineKeyUse(grantee: iam.IGrantable, key: kms.IKey, stateMachineArn: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineArn } },
    }),
  );
}
