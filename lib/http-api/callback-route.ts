/**
 * `POST /callbacks/{token}`: where a remote API calls back a run that is waiting for it (docs/callbacks.md). It is
 * the one route without AWS signatures: the per-run token (256 random bits) in the path is the credential, and the
 * function behind it answers the same 202 whatever the token, so the route reveals nothing about runs. The route
 * is throttled on its own, below the stage, so a flood of forged callbacks cannot starve POST /executions.
 */
import { Aws, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

export interface CallbackRouteProps {
  /** The function that receives callbacks (lambdas/callbacks/handler.ts). */
  readonly handler: lambda.IFunction;
  /** Requests per second and burst of the route. @default { rateLimit: 20, burstLimit: 40 } */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

export const DEFAULT_CALLBACK_THROTTLE = { rateLimit: 20, burstLimit: 40 };

export function addCallbackRoute(api: apigateway.RestApi, stage: apigateway.Stage, stageName: string, props: CallbackRouteProps): { method: apigateway.Method; baseUrl: string } {
  // Stryker disable next-line ObjectLiteral: LambdaIntegration proxies by default; `proxy: true` is written for the reader
  const integration = new apigateway.LambdaIntegration(props.handler, { proxy: true });
  const method = api.root
    .addResource('callbacks')
    .addResource('{token}')
    .addMethod('POST', integration, {
      authorizationType: apigateway.AuthorizationType.NONE,
      requestParameters: { 'method.request.path.token': true },
    });
  const throttle = props.throttle ?? DEFAULT_CALLBACK_THROTTLE;
  const cfnStage = stage.node.defaultChild as apigateway.CfnStage;
  const settings = (cfnStage.methodSettings ?? []) as apigateway.CfnStage.MethodSettingProperty[];
  cfnStage.methodSettings = [
    ...settings,
    { resourcePath: '/~1callbacks~1{token}', httpMethod: 'POST', throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit },
  ];
  for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
    Validations.of(method).acknowledge({
      id,
      reason:
        'The remote API that calls back cannot sign requests: the route is authenticated by the per-run 256-bit token in its path ' +
        '(stored hashed, compared in constant time, single use, expiring), its answers do not depend on the token, and it is throttled on its own.',
    });
  }
  // Built from the API's id and the stage's name as written, not from the stage: the step runner, which the stage's
  // deployment depends on (through the state machine), needs this URL.
  const baseUrl = `https://${api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stageName}/callbacks/`;
  return { method, baseUrl };
}
