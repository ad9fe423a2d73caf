/**
 * Integration test (`npm run integ`, needs an AWS account): deploys the Arazzo workflow stack with a small API
 * for its one step, starts a run through a signed POST to the REST API, waits for SUCCEEDED, and checks GET,
 * the 400 answer to a body that breaks the model and the 409 to a reused Idempotency-Key; then destroys it all.
 *
 * The step runner calls only origins fixed at synth (they are baked into its bundle), so the test API needs a
 * host known before deploy: an S3 bucket named after the account and region, serving one JSON document. An API
 * Gateway or Lambda URL host is chosen by AWS at deploy time.
 *
 * `npm test` checks the committed snapshot offline (test/integ-snapshot.test.ts); `npm run integ:snapshot`
 * writes it again after a deliberate change.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { ArazzoWorkflowStack } from '../../lib/arazzo-workflow-stack.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../..');
// When deployed (`npm run integ`), the account and region of the credentials, which the CDK CLI passes to the
// app; offline (the snapshot), placeholders.
const account = process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT ?? '12345678';
const region = process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'test-region';
const bucketName = `arazzo-sfn-integ-echo-${account}-${region}`;

const app = new App();
const stack = new ArazzoWorkflowStack(app, 'ArazzoSfnInteg', {
  workflow: {
    documentPath: path.relative(projectRoot, path.join(here, 'echo.arazzo.yml')),
    workflowId: 'echo',
    serverUrls: { echo: `https://${bucketName}.s3.${region}.amazonaws.com` },
  },
});

const bucket = new s3.Bucket(stack, 'EchoApi', {
  bucketName,
  // One public document: the step runner calls it without credentials, as it would any third-party API.
  blockPublicAccess: new s3.BlockPublicAccess({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false }),
  enforceSSL: true,
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
});
bucket.grantPublicAccess('echo.json', 's3:GetObject');
new s3deploy.BucketDeployment(stack, 'EchoDocument', {
  destinationBucket: bucket,
  sources: [s3deploy.Source.jsonData('echo.json', { greeting: 'hello from the echo API' })],
  contentType: 'application/json',
});

const scenario = new nodejs.NodejsFunction(stack, 'Scenario', {
  entry: path.join(here, 'scenario-handler.ts'),
  handler: 'handler',
  runtime: lambda.Runtime.NODEJS_24_X,
  timeout: Duration.minutes(5),
  projectRoot,
  depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
  bundling: { format: nodejs.OutputFormat.ESM, target: 'node22', externalModules: ['@aws-sdk/*'] },
});
stack.httpApi.grantInvoke(scenario);
new CfnOutput(stack, 'ScenarioFunctionName', { value: scenario.functionName });

const integ = new IntegTest(app, 'RestApiRun', { testCases: [stack] });
integ.assertions
  .invokeFunction({
    functionName: scenario.functionName,
    payload: JSON.stringify({ executionsUrl: stack.httpApi.executionsUrl, runId: 'first-run' }),
  })
  .expect(
    ExpectedResult.objectLike({
      // Lambda returns the payload as JSON text.
      Payload: Match.serializedJson({
        start: Match.objectLike({ status: 202, executionId: 'integ-first-run' }),
        run: Match.objectLike({ status: 200, runStatus: 'SUCCEEDED', outputs: Match.objectLike({ message: 'hello', greeting: 'hello from the echo API' }) }),
        badBody: Match.objectLike({ status: 400, isJson: true, error: 'BadRequestBody', namesField: true }),
        reusedKey: Match.objectLike({ status: 409, error: 'ExecutionAlreadyExists' }),
      }),
    }),
  );

app.synth();
