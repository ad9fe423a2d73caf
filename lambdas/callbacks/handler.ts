/**
 * The callback function, AWS wiring only: invoked by a wake-up wait Task (the registrar) or by API Gateway for
 * `POST /callbacks/{token}` (the receiver). It never logs its event: one holds a task token, the other a callback
 * token in its path. See lib/runtime/callbacks/ and docs/callbacks.md.
 */
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ACCEPTED, DEFAULT_MAX_CALLBACK_BODY_BYTES, receiveCallback } from '../../lib/runtime/callbacks/receiver.ts';
import { registerWait } from '../../lib/runtime/callbacks/registrar.ts';
import type { CallbackStore } from '../../lib/runtime/callbacks/store.ts';
import type { TaskTokenSender, WakeWaitEvent } from '../../lib/runtime/callbacks/types.ts';
import { dynamoDbCallbackStore } from './dynamodb-store.ts';

/** SendTaskSuccess; a token whose wait is over (timed out, run finished or stopped) is stale, not an error. */
export function stepFunctionsTaskSender(client: SFNClient): TaskTokenSender {
  return {
    async succeed(taskToken, output) {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
        return 'sent';
      } catch (error) {
        if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes((error as Error).name)) return 'stale';
        throw error;
      }
    },
  };
}

export interface CallbackHandlerDeps {
  store: CallbackStore;
  tasks: TaskTokenSender;
  now: () => number;
  maxBodyBytes: number;
  log: (entry: Record<string, unknown>) => void;
}

export function createCallbackHandler(deps: CallbackHandlerDeps) {
  return async (event: APIGatewayProxyEvent | WakeWaitEvent): Promise<APIGatewayProxyResult | { outcome: string }> => {
    if (!isApiGatewayEvent(event)) {
      const { outcome, error } = await registerWait(event, deps);
      deps.log({ level: outcome === 'unarmed' ? 'WARN' : 'INFO', message: `wait ${outcome}`, waitId: event.waitId, ...(error ? { error } : {}) });
      return { outcome };
    }
    const answer = await receive(event, deps).catch((error: unknown) => {
      // The run still finishes through its fallback poll; the caller learns nothing from the answer.
      deps.log({ level: 'ERROR', message: 'callback not handled', error: (error as Error).name });
      return ACCEPTED;
    });
    deps.log({ level: 'INFO', message: 'callback answered', status: answer.status });
    return { statusCode: answer.status, headers: { 'content-type': 'application/json' }, body: answer.body };
  };
}

async function receive(event: APIGatewayProxyEvent, deps: CallbackHandlerDeps) {
  const body = event.body === null || event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  // Stryker disable next-line StringLiteral: any fallback that is not a 43-character token is answered 202 without a look-up, like ''
  return receiveCallback({ token: event.pathParameters?.token ?? '', body, headers: event.headers ?? {} }, deps);
}

function isApiGatewayEvent(event: unknown): event is APIGatewayProxyEvent {
  return typeof event === 'object' && event !== null && 'requestContext' in event && 'httpMethod' in event;
}

export function maxBodyBytesFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_MAX_CALLBACK_BODY_BYTES;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes < 1) throw new Error(`MAX_CALLBACK_BODY_BYTES is "${value}"; set it to a whole number of bytes or leave it unset`);
  return bytes;
}

// Created once per execution environment.
export const handler = createCallbackHandler({
  store: dynamoDbCallbackStore(process.env.CALLBACK_TABLE ?? ''),
  tasks: stepFunctionsTaskSender(new SFNClient({})),
  now: Date.now,
  maxBodyBytes: maxBodyBytesFromEnv(process.env.MAX_CALLBACK_BODY_BYTES),
  log: (entry) => console.log(JSON.stringify(entry)),
});
