/**
 * The stage's access log line: one JSON object per request, with who called, what they asked for and how
 * it ended. Nothing here can carry a secret or a request body: there is no `$input`, no
 * `$context.identity.apiKey` (the key's value — `apiKeyId` is logged instead), no authorizer claims and
 * no validation message (it can quote a submitted value).
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';

export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  userAgent: '$context.identity.userAgent',
  apiKeyId: '$context.identity.apiKeyId',
  xrayTraceId: '$context.xrayTraceId',
};

/**
 * `withoutPath`: when the API serves the callback route, whose path carries a per-run token (a credential), the
 * path is left out; `resourcePath` (`/callbacks/{token}`) still says which route was called.
 */
export function accessLogFormat(options: { withoutPath?: boolean } = {}): apigateway.AccessLogFormat {
  const fields = options.withoutPath ? Object.fromEntries(Object.entries(ACCESS_LOG_FIELDS).filter(([name]) => name !== 'path')) : ACCESS_LOG_FIELDS;
  return apigateway.AccessLogFormat.custom(JSON.stringify(fields));
}
