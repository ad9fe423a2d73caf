/**
 * The VTL mapping templates between API Gateway and the Step Functions API (StartExecution,
 * DescribeExecution), and the gateway-response templates API Gateway renders itself.
 *
 * API Gateway runs Velocity 1.7: string literals keep backslashes as written, `replaceAll` takes a Java
 * regular expression, and an empty string is true in `#if` — so every condition below compares explicitly.
 * Templates are written with String.raw so what is read here is exactly what API Gateway receives.
 */

/** Idempotency keys and execution ids this API accepts: a subset of Step Functions execution names. */
export const EXECUTION_NAME_PATTERN = '[A-Za-z0-9_-]{1,80}';

/** The header that makes POST /executions idempotent (its value becomes the execution name). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/**
 * A Velocity expression rendering `reference` as the inside of a JSON string.
 * `$util.escapeJavaScript` escapes `'` as `\'`, which JSON does not allow; the Java regex `\\'` matches
 * that backslash-apostrophe pair (an escaped backslash is always followed by another escape, never by a
 * bare apostrophe, so no other pair can match) and puts the apostrophe back.
 */
export function jsonStringContent(reference: string): string {
  return String.raw`$util.escapeJavaScript(${reference}).replaceAll("\\'", "'")`;
}

/**
 * Finds the Idempotency-Key header whatever its case (HTTP header names are case-insensitive, and HTTP/2
 * clients send them lower-case), then checks its shape. Sets $hasIdempotencyKey, $idempotencyKey,
 * $idempotencyKeyValid.
 */
const READ_IDEMPOTENCY_KEY = String.raw`#set($idempotencyKey = "")
#set($hasIdempotencyKey = false)
#set($requestHeaders = $input.params().header)
#foreach($headerName in $requestHeaders.keySet())
#if($headerName.toLowerCase() == "${IDEMPOTENCY_KEY_HEADER.toLowerCase()}")
#set($idempotencyKey = "$!requestHeaders.get($headerName)")
#set($hasIdempotencyKey = true)
#end
#end
#set($idempotencyKeyValid = $idempotencyKey.matches("${EXECUTION_NAME_PATTERN}"))
`;

/** Reads Step Functions' error body: sets $errorName (the `__type` after its `#`) and $errorMessage. */
const READ_STEP_FUNCTIONS_ERROR = String.raw`#set($errorType = "$!input.path('$.__type')")
#set($errorNameStart = $errorType.lastIndexOf('#') + 1)
#set($errorName = $errorType.substring($errorNameStart))
#set($errorMessage = "$!input.path('$.message')")
#if($errorMessage == "")
#set($errorMessage = "$!input.path('$.Message')")
#end
`;

/**
 * An execution name Step Functions always refuses (it contains a space), sent when the Idempotency-Key is
 * malformed. A request template cannot answer the client itself, so the malformed key travels to Step
 * Functions as a name that fails with InvalidName, and the error template turns that into a 400 naming
 * the header. No execution is started.
 */
export const REFUSED_EXECUTION_NAME = 'Idempotency-Key rejected';

/** Likewise for GET: a malformed id becomes an ARN Step Functions refuses with InvalidArn. */
export const REFUSED_EXECUTION_ARN = 'invalid-execution-id';

/** The last branches of every Step Functions error template: throttling becomes 429, anything else 400 with its name. */
const THROTTLED_OR_OTHER_ERROR = `#elseif($errorName == "ThrottlingException")
#set($context.responseOverride.status = 429)
{
  "error": "Throttled",
  "message": "${jsonStringContent('$errorMessage')}"
}
#else
#if($errorName == "")
#set($errorName = "BadRequest")
#end
{
  "error": "${jsonStringContent('$errorName')}",
  "message": "${jsonStringContent('$errorMessage')}"
}
#end
`;

const KEY_RULE = `${IDEMPOTENCY_KEY_HEADER} must be 1 to 80 characters from A-Z, a-z, 0-9, underscore and hyphen`;
const ID_RULE = 'execution ids are 1 to 80 characters from A-Z, a-z, 0-9, underscore and hyphen';

/** POST /executions → StartExecution. The validated body becomes the execution input; a valid key its name. */
export function startExecutionRequestTemplate(stateMachineArn: string): string {
  return (
    READ_IDEMPOTENCY_KEY +
    String.raw`{
  "stateMachineArn": "${stateMachineArn}",
  "input": "${jsonStringContent(String.raw`$input.json('$')`)}"
#if($hasIdempotencyKey == true && $idempotencyKeyValid == true)
  ,"name": "$idempotencyKey"
#elseif($hasIdempotencyKey == true)
  ,"name": "${REFUSED_EXECUTION_NAME}"
#end
}
`
  );
}

/** StartExecution 200 → 202 with where to follow the run (also as a Location header). */
export function startExecutionAcceptedTemplate(): string {
  return String.raw`#set($executionArn = $input.path('$.executionArn'))
#set($executionIdStart = $executionArn.lastIndexOf(":") + 1)
#set($executionId = $executionArn.substring($executionIdStart))
#set($statusUrl = "https://$context.domainName/$context.stage/executions/$executionId")
#set($context.responseOverride.header.Location = $statusUrl)
{
  "executionId": "${jsonStringContent('$executionId')}",
  "executionArn": "${jsonStringContent('$executionArn')}",
  "statusUrl": "${jsonStringContent('$statusUrl')}",
  "startDate": $input.json('$.startDate')
}
`;
}

/**
 * StartExecution 4xx. Step Functions answers every client error with HTTP 400, so the status is chosen
 * from `__type`: ExecutionAlreadyExists → 409 naming the existing execution (its ARN is quoted in the
 * message; the key is the fallback), a malformed key → 400 naming the header, throttling → 429,
 * anything else → 400 with Step Functions' message.
 */
export function startExecutionErrorTemplate(): string {
  return (
    READ_STEP_FUNCTIONS_ERROR +
    READ_IDEMPOTENCY_KEY +
    String.raw`#if($errorName == "ExecutionAlreadyExists")
#set($context.responseOverride.status = 409)
#set($existingId = $idempotencyKey)
#set($quotedArnStart = $errorMessage.indexOf("'") + 1)
#set($quotedArnEnd = $errorMessage.lastIndexOf("'"))
#if($quotedArnStart > 0 && $quotedArnEnd > $quotedArnStart)
#set($existingArn = $errorMessage.substring($quotedArnStart, $quotedArnEnd))
#set($existingIdStart = $existingArn.lastIndexOf(":") + 1)
#set($existingId = $existingArn.substring($existingIdStart))
#end
#set($existingIdJson = ${jsonStringContent('$existingId')})
{
  "error": "ExecutionAlreadyExists",
  "message": "Execution $existingIdJson already exists and has closed, or is running with a different body. GET statusUrl for it, or send a new ${IDEMPOTENCY_KEY_HEADER} to start another run.",
  "executionId": "$existingIdJson",
  "statusUrl": "https://$context.domainName/$context.stage/executions/$existingIdJson"
}
#elseif($errorName == "InvalidName" || ($hasIdempotencyKey == true && $idempotencyKeyValid == false))
{
  "error": "InvalidIdempotencyKey",
  "message": "${KEY_RULE}."
}
${THROTTLED_OR_OTHER_ERROR}`
  );
}

/** Step Functions 5xx → 502: the request may be retried; nothing about it was wrong. */
export function stepFunctionsUnavailableTemplate(): string {
  return (
    READ_STEP_FUNCTIONS_ERROR +
    String.raw`{
  "error": "StepFunctionsUnavailable",
  "message": "${jsonStringContent('$errorMessage')}"
}
`
  );
}

/** GET /executions/{id} → DescribeExecution on this state machine's execution `id`. */
export function describeExecutionRequestTemplate(executionArnPrefix: string): string {
  return String.raw`#set($executionId = "$!input.params('id')")
{
#if($executionId.matches("${EXECUTION_NAME_PATTERN}"))
  "executionArn": "${executionArnPrefix}$executionId"
#else
  "executionArn": "${REFUSED_EXECUTION_ARN}"
#end
}
`;
}

/**
 * DescribeExecution 200 → the run's status. `output` is JSON text, so it is emitted as it is (as JSON,
 * not as an escaped string); error and cause are JSON-encoded by `$input.json`.
 */
export function executionStatusTemplate(): string {
  return String.raw`#set($status = "$!input.path('$.status')")
#set($stopDate = "$!input.path('$.stopDate')")
#set($output = "$!input.path('$.output')")
#set($error = "$!input.path('$.error')")
#set($cause = "$!input.path('$.cause')")
#set($executionName = "$!input.path('$.name')")
{
  "executionId": "${jsonStringContent('$executionName')}",
  "status": "${jsonStringContent('$status')}",
  "startDate": $input.json('$.startDate')
#if($stopDate != "")
  ,"stopDate": $input.json('$.stopDate')
#end
#if($status == "SUCCEEDED" && $output != "")
  ,"outputs": $output
#elseif($status == "SUCCEEDED")
  ,"outputs": null
#end
#if($status == "FAILED" || $status == "TIMED_OUT" || $status == "ABORTED")
#if($error != "")
  ,"error": $input.json('$.error')
#else
  ,"error": null
#end
#if($cause != "")
  ,"cause": $input.json('$.cause')
#else
  ,"cause": null
#end
#end
}
`;
}

/**
 * DescribeExecution 4xx: malformed id → 400, unknown execution → 404, throttling → 429. A malformed id is
 * recognised from the request itself too, so the answer does not depend on whether Step Functions
 * reports the refused ARN as InvalidArn or as something else (such as AccessDenied); when the request's
 * parameters are not visible here, the error name alone decides.
 */
export function describeExecutionErrorTemplate(): string {
  return (
    READ_STEP_FUNCTIONS_ERROR +
    String.raw`#set($requestedId = "$!input.params('id')")
#if($errorName == "InvalidArn" || ($requestedId != "" && !$requestedId.matches("${EXECUTION_NAME_PATTERN}")))
{
  "error": "InvalidExecutionId",
  "message": "${ID_RULE}."
}
#elseif($errorName == "ExecutionDoesNotExist")
#set($context.responseOverride.status = 404)
{
  "error": "ExecutionDoesNotExist",
  "message": "${jsonStringContent('$errorMessage')}"
}
${THROTTLED_OR_OTHER_ERROR}`
  );
}

/**
 * The only variable the 400 body for a body that breaks the model carries: an id made of hex digits and hyphens,
 * which cannot end a JSON string early.
 */
export const BAD_REQUEST_BODY_VARIABLES = ['$context.requestId'] as const;

/**
 * The 400 answer to a body that breaks the input model. Gateway responses are not VTL: API Gateway only substitutes
 * variables into them and cannot escape a value, and `$context.error.validationErrorString` quotes the body's own
 * text (`string "<prompt>" is too long`, `not found in enum`, property names in `["..."]`): substituted into a JSON
 * string, a quote or backslash in it would end the string early or break the body. So the body is fixed JSON and
 * carries, instead of that message, the draft-04 schema the body was checked against (the input model itself), from
 * which any JSON Schema validator names the field; plus the request id. Every `$` of the schema is written as the
 * JSON escape `\u0024`, so nothing in it is taken for a variable.
 */
export function badRequestBodyTemplate(inputModelSchema: unknown): string {
  const body = {
    error: 'BadRequestBody',
    message:
      'Invalid request body: it does not match inputSchema (JSON Schema draft-04; additional properties are refused). ' +
      'Validate it against inputSchema to see which field, or run it locally: npm start -- --input <body.json>.',
    requestId: '<requestId>',
    inputSchema: inputModelSchema,
  };
  return JSON.stringify(body).split('$').join('\\u0024').replace('"<requestId>"', `"${BAD_REQUEST_BODY_VARIABLES[0]}"`);
}

export const DEFAULT_ERROR_TEMPLATE = '{"error": "$context.error.responseType", "message": $context.error.messageString}';
