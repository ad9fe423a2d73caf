/**
 * A REST API in front of a Standard state machine, with no Lambda in between: API Gateway validates the
 * body against the workflow's public input schema and calls Step Functions directly (StartExecution,
 * DescribeExecution) through VTL mapping templates.
 *
 *   POST /executions        body = workflow inputs → 202 { executionId, executionArn, statusUrl, startDate }
 *   GET  /executions/{id}   → 200 { executionId, status, startDate, stopDate?, outputs?, error?, cause? }
 *
 * Every method requires IAM (SigV4) authorization; grant callers with `grantInvoke`.
 */
import { Arn, ArnFormat, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { JsonSchema } from '../arazzo/types.ts';
import { allowLogGroupEncryption, grantStateMachineKeyUse } from '../encryption.ts';
import { accessLogFormat } from './access-log-format.ts';
import { addCallbackRoute, type CallbackRouteProps } from './callback-route.ts';
import { inputModelSchema } from './input-model.ts';
import {
  badRequestBodyTemplate,
  DEFAULT_ERROR_TEMPLATE,
  IDEMPOTENCY_KEY_HEADER,
  describeExecutionErrorTemplate,
  describeExecutionRequestTemplate,
  executionStatusTemplate,
  startExecutionAcceptedTemplate,
  startExecutionErrorTemplate,
  startExecutionRequestTemplate,
  stepFunctionsUnavailableTemplate,
} from './mapping-templates.ts';

export interface ArazzoHttpApiUsagePlanProps {
  /** Per-key request rate. @default - the stage's throttling */
  readonly throttle?: apigateway.ThrottleSettings;
  /** Per-key request quota. @default - no quota */
  readonly quota?: apigateway.QuotaSettings;
}

export interface ArazzoHttpApiProps {
  /**
   * The Standard state machine the compiled workflow runs in.
   * Express state machines are refused: they have no DescribeExecution, so runs could not be followed.
   */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * JSON Schema (2020-12, as the Arazzo document writes it) of the workflow's public inputs: the document's
   * inputs without the secret ones, with the deployment's bounds applied. It is translated to the draft-04
   * model API Gateway validates bodies with, and closed with `additionalProperties: false` at the top, so
   * a body naming anything else (a secret input in particular) is refused with 400.
   * Synthesis fails, naming the keyword and its location, if the schema uses a keyword draft-04 cannot express.
   */
  readonly inputSchema: JsonSchema;

  /**
   * Names of the workflow's secret inputs. Synthesis fails if `inputSchema` would accept any of them.
   * @default - no names are checked (the top-level `additionalProperties: false` still refuses unknown fields)
   */
  readonly secretInputs?: readonly string[];

  /** @default - `<stack name>-<construct id>` */
  readonly apiName?: string;

  /** @default - a description naming the state machine's purpose generically */
  readonly description?: string;

  /** @default 'v1' */
  readonly stageName?: string;

  /** @default apigateway.EndpointType.REGIONAL */
  readonly endpointType?: apigateway.EndpointType;

  /** Steady-state requests per second for the whole stage. @default 10 */
  readonly throttlingRateLimit?: number;

  /** Burst capacity for the whole stage. @default 20 */
  readonly throttlingBurstLimit?: number;

  /**
   * Adds a usage plan and one API key, and makes every method require the key (`x-api-key` header).
   * This meters and throttles per client; it is not authentication — IAM authorization still applies.
   * @default - no usage plan, no API key
   */
  readonly usagePlan?: ArazzoHttpApiUsagePlanProps;

  /** @default logs.RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: logs.RetentionDays;

  /** @default RemovalPolicy.RETAIN */
  readonly accessLogRemovalPolicy?: RemovalPolicy;

  /**
   * Create the IAM role API Gateway writes logs with, and make it the account's API Gateway setting
   * (`AWS::ApiGateway::Account`). That setting is one per account and region: it overwrites whatever another
   * stack or person set there, and it stays after this stack is deleted. Turns `logging` on.
   * @default false
   */
  readonly cloudWatchRole?: boolean;

  /**
   * Access logs (JSON, no bodies) and ERROR-level execution logs of the stage. API Gateway refuses to deploy a
   * stage that logs unless the account's API Gateway setting names a CloudWatch role: turn this on when it does
   * (`aws apigateway get-account --query cloudwatchRoleArn`), or set `cloudWatchRole`. Runs are logged by Step
   * Functions either way. @default - the value of `cloudWatchRole`
   */
  readonly logging?: boolean;

  /**
   * The customer managed KMS key the state machine is encrypted with: the integration role may use it for that
   * state machine's executions only. The access log group is encrypted with it too.
   * @default - the state machine uses an AWS owned key; access logs use CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * ARN of a WAFv2 web ACL (scope REGIONAL) to associate with the stage.
   * @default - no web ACL (the cdk-nag WAF finding is acknowledged: access already requires SigV4)
   */
  readonly webAclArn?: string;
  /**
   * Serve `POST /callbacks/{token}` for callback-woken runs: no AWS signature (the remote API calls it), the
   * per-run token in the path is the credential. @default no callback route
   */
  readonly callbacks?: CallbackRouteProps;
}

export class ArazzoHttpApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly stage: apigateway.Stage;
  /** The stage's base URL, ending in `/`. */
  public readonly url: string;
  /** `<url>executions`: POST starts a run, GET `<executionsUrl>/<id>` reads one. */
  public readonly executionsUrl: string;
  /** Present when `logging` is on. */
  public readonly accessLogGroup?: logs.LogGroup;
  /** The role API Gateway assumes to call Step Functions. */
  public readonly integrationRole: iam.Role;
  public readonly requestValidator: apigateway.RequestValidator;
  /** The draft-04 schema of POST bodies, as deployed. */
  public readonly inputModelSchema: JsonSchema;
  public readonly startExecutionMethod: apigateway.Method;
  public readonly describeExecutionMethod: apigateway.Method;
  /** Present when `usagePlan` is set. The key's value is never in the template; read it in the console. */
  public readonly apiKey?: apigateway.IApiKey;
  /** With `callbacks`: the public callback route, and the URL a run's token is appended to. */
  public readonly callbackMethod?: apigateway.Method;
  public readonly callbackBaseUrl?: string;
  public readonly usagePlan?: apigateway.UsagePlan;

  constructor(scope: Construct, id: string, props: ArazzoHttpApiProps) {
    super(scope, id);
    const { stateMachine } = props;
    if (stateMachine instanceof sfn.StateMachine && stateMachine.stateMachineType === sfn.StateMachineType.EXPRESS) {
      throw new Error(
        `${this.node.path}: stateMachine is EXPRESS; the HTTP API needs a STANDARD state machine (Express runs have no DescribeExecution, so GET /executions/{id} could not work) — create it with stateMachineType: StateMachineType.STANDARD`,
      );
    }
    const stageName = props.stageName ?? 'v1';

    this.inputModelSchema = inputModelSchema(props.inputSchema, {
      where: `${this.node.path}: inputSchema`,
      secretInputs: props.secretInputs,
    });

    const logging = props.logging ?? props.cloudWatchRole ?? false;
    const key = props.encryptionKey;
    // Named when encrypted: the key policy names the group, so the name is needed before the group exists.
    const accessLogGroupName = `/aws/apigateway/${Names.uniqueResourceName(this, { maxLength: 400 })}-AccessLogs`;
    this.accessLogGroup = logging
      ? new logs.LogGroup(this, 'AccessLogs', {
          retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
          removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
          ...(key ? { encryptionKey: key, logGroupName: accessLogGroupName } : {}),
        })
      : undefined;
    if (key && this.accessLogGroup) allowLogGroupEncryption(key, accessLogGroupName);

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.apiName ?? `${Stack.of(this).stackName}-${id}`,
      description: props.description ?? 'Starts and reads runs of a workflow state machine.',
      endpointConfiguration: { types: [props.endpointType ?? apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: props.cloudWatchRole ?? false,
      deployOptions: {
        stageName,
        ...(this.accessLogGroup
          ? {
              accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
              accessLogFormat: accessLogFormat({ withoutPath: props.callbacks !== undefined }),
              // ERROR-level execution logs without data tracing: data tracing would log request and response bodies.
              loggingLevel: apigateway.MethodLoggingLevel.ERROR,
            }
          : { loggingLevel: apigateway.MethodLoggingLevel.OFF }),
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttlingRateLimit ?? 10,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 20,
      },
    });
    this.stage = this.api.deploymentStage;
    this.url = this.api.url;
    this.executionsUrl = this.api.urlForPath('/executions');

    this.integrationRole = new iam.Role(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway start and describe executions of one state machine.',
    });
    const executionArnPrefix = executionArnPrefixOf(stateMachine);
    this.integrationRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
    );
    this.integrationRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [`${executionArnPrefix}*`] }),
    );
    if (key) grantStateMachineKeyUse(this.integrationRole, key, stateMachine.stateMachineArn);

    // Validates the body against the model and the declared parameters; the Idempotency-Key's shape is
    // checked by the request template (a validator can only check that a parameter is present).
    this.requestValidator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const inputModel = this.addInputModel();

    this.api.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: { 'application/json': badRequestBodyTemplate(this.inputModelSchema) },
    });
    this.api.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      templates: { 'application/json': DEFAULT_ERROR_TEMPLATE },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      templates: { 'application/json': DEFAULT_ERROR_TEMPLATE },
    });

    const apiKeyRequired = props.usagePlan !== undefined;
    const executions = this.api.root.addResource('executions');
    this.startExecutionMethod = executions.addMethod(
      'POST',
      this.stepFunctionsIntegration('StartExecution', {
        requestTemplate: startExecutionRequestTemplate(stateMachine.stateMachineArn),
        success: { statusCode: '202', template: startExecutionAcceptedTemplate() },
        clientErrorTemplate: startExecutionErrorTemplate(),
      }),
      {
        authorizationType: apigateway.AuthorizationType.IAM,
        apiKeyRequired,
        requestValidator: this.requestValidator,
        requestModels: { 'application/json': inputModel },
        requestParameters: { [`method.request.header.${IDEMPOTENCY_KEY_HEADER}`]: false },
        methodResponses: [
          { statusCode: '202', responseParameters: { 'method.response.header.Location': true } },
          { statusCode: '400' },
          { statusCode: '409' },
          { statusCode: '429' },
          { statusCode: '502' },
        ],
      },
    );

    const execution = executions.addResource('{id}');
    this.describeExecutionMethod = execution.addMethod(
      'GET',
      this.stepFunctionsIntegration('DescribeExecution', {
        requestTemplate: describeExecutionRequestTemplate(executionArnPrefix),
        success: { statusCode: '200', template: executionStatusTemplate() },
        clientErrorTemplate: describeExecutionErrorTemplate(),
      }),
      {
        authorizationType: apigateway.AuthorizationType.IAM,
        apiKeyRequired,
        requestValidator: this.requestValidator,
        requestParameters: { 'method.request.path.id': true },
        methodResponses: [
          { statusCode: '200' },
          { statusCode: '400' },
          { statusCode: '404' },
          { statusCode: '429' },
          { statusCode: '502' },
        ],
      },
    );

    if (props.usagePlan !== undefined) {
      this.apiKey = this.api.addApiKey('ApiKey', { description: `Metering key for ${this.node.path}; not a credential.` });
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        throttle: props.usagePlan.throttle,
        quota: props.usagePlan.quota,
        apiStages: [{ api: this.api, stage: this.stage }],
      });
      this.usagePlan.addApiKey(this.apiKey);
    }

    if (props.callbacks !== undefined) {
      const route = addCallbackRoute(this.api, this.stage, stageName, props.callbacks);
      this.callbackMethod = route.method;
      this.callbackBaseUrl = route.baseUrl;
    }

    if (props.webAclArn !== undefined) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.stage.stageArn, webAclArn: props.webAclArn });
    }
    this.acknowledgeNagFindings(props, executionArnPrefix);
  }

  /** Allows `grantee` to call POST /executions and GET /executions/{id} on this stage. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        this.api.arnForExecuteApi('POST', '/executions', this.stage.stageName),
        this.api.arnForExecuteApi('GET', '/executions/*', this.stage.stageName),
      ],
    });
  }

  /**
   * The model is an L1 resource: the L2 Model renames `ref`/`schema` keys anywhere in the schema, including
   * inside `enum` and `default` values, which would change what the model accepts.
   */
  private addInputModel(): apigateway.IModel {
    const model = new apigateway.CfnModel(this, 'InputModel', {
      restApiId: this.api.restApiId,
      contentType: 'application/json',
      name: 'WorkflowInputs',
      description: 'The workflow inputs a POST /executions body may carry.',
      schema: this.inputModelSchema,
    });
    // A changed model must reach the stage: it is part of what a deployment snapshots.
    this.api.latestDeployment?.node.addDependency(model);
    // Stryker disable next-line ObjectLiteral: the BAD_REQUEST_BODY response carries the model and feeds the deployment's id as well; this keeps the redeploy from resting on that
    this.api.latestDeployment?.addToLogicalId({ inputModel: this.inputModelSchema });
    return apigateway.Model.fromModelName(this, 'InputModelRef', model.ref);
  }

  /**
   * A direct Step Functions call: Step Functions answers 4xx with a JSON `__type`, which the client error template
   * turns into 400/404/409/429 through `$context.responseOverride`; a 5xx becomes 502.
   */
  private stepFunctionsIntegration(
    action: 'StartExecution' | 'DescribeExecution',
    templates: { requestTemplate: string; success: { statusCode: string; template: string }; clientErrorTemplate: string },
  ): apigateway.AwsIntegration {
    return new apigateway.AwsIntegration({
      service: 'states',
      action,
      // Stryker disable next-line StringLiteral: AwsIntegration takes an empty method for its default, POST
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.integrationRole,
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': templates.requestTemplate },
        integrationResponses: [
          { statusCode: templates.success.statusCode, responseTemplates: { 'application/json': templates.success.template } },
          { selectionPattern: '4\\d{2}', statusCode: '400', responseTemplates: { 'application/json': templates.clientErrorTemplate } },
          { selectionPattern: '5\\d{2}', statusCode: '502', responseTemplates: { 'application/json': stepFunctionsUnavailableTemplate() } },
        ],
      },
    });
  }

  private acknowledgeNagFindings(props: ArazzoHttpApiProps, executionArnPrefix: string): void {
    for (const method of [this.startExecutionMethod, this.describeExecutionMethod]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Callers are AWS principals authorized with IAM (SigV4) and execute-api:Invoke; there is no Cognito user pool.',
      });
    }
    if (props.webAclArn === undefined) {
      Validations.of(this.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'Every method requires SigV4-signed IAM credentials and the stage is throttled; pass webAclArn to add a WAF.',
      });
    }
    Validations.of(this.integrationRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceText(this, `${executionArnPrefix}*`)}]`,
      reason: 'DescribeExecution must reach every execution of this one state machine; execution names are not known in advance.',
    });
    if (this.accessLogGroup === undefined) {
      for (const id of ['AwsSolutions-APIG1', 'AwsSolutions-APIG6']) {
        Validations.of(this.stage).acknowledge({
          id,
          reason: 'Stage logging needs the account-wide API Gateway CloudWatch role, which this construct does not set unless asked (cloudWatchRole or logging); runs are logged by Step Functions.',
        });
      }
    }
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS managed policy is the documented way to let API Gateway write execution logs for the account.',
      });
    }
  }
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine name>:` */
function executionArnPrefixOf(stateMachine: sfn.IStateMachine): string {
  if (stateMachine instanceof sfn.StateMachine) {
    return `${Stack.of(stateMachine).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: stateMachine.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })}:`;
  }
  const parts = Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return `${Arn.format({ ...parts, resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME })}:`;
}

/** How cdk-nag writes a resource string in a finding id (intrinsics as `<Name>`), so the acknowledgement matches it. */
function nagResourceText(scope: Construct, value: string): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  const render = (node: unknown): string => {
    // Resolved, the ARN is text, or an intrinsic function object whose arguments are the same.
    if (typeof node === 'string') return node;
    const record = node as Record<string, unknown>;
    if ('Fn::Join' in record) {
      const [separator, pieces] = record['Fn::Join'] as [string, unknown[]];
      return pieces.map(render).join(separator);
    }
    if ('Ref' in record) return `<${String(record.Ref)}>`;
    if ('Fn::GetAtt' in record) {
      const [logicalId, attribute] = record['Fn::GetAtt'] as [string, string];
      return `<${logicalId}.${attribute}>`;
    }
    return JSON.stringify(node);
  };
  return render(resolved);
}
