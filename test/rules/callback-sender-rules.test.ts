/**
 * The callback function's SendTaskSuccess: a task token whose wait is over is stale (the wake stays pending for
 * the run's next wait); any other failure is an error; the message is sent as JSON.
 */
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stepFunctionsTaskSender } from '../../lambdas/callbacks/handler.ts';

const client = new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const sfn = mockClient(client);
beforeEach(() => sfn.reset());

const named = (name: string) => Object.assign(new Error(`${name} happened`), { name });

describe('SendTaskSuccess from the callback function', () => {
  it('sends the message as JSON to the armed task token', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await stepFunctionsTaskSender(client).succeed('task-1', { payload: { a: 1 }, headers: {} })).toBe('sent');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({ taskToken: 'task-1', output: '{"payload":{"a":1},"headers":{}}' });
  });

  for (const name of ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']) {
    it(`reads ${name} as a stale token, not an error`, async () => {
      sfn.on(SendTaskSuccessCommand).rejects(named(name));
      expect(await stepFunctionsTaskSender(client).succeed('task-1', { payload: null, headers: {} })).toBe('stale');
    });
  }

  it('lets any other failure through', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(named('ThrottlingException'));
    await expect(stepFunctionsTaskSender(client).succeed('task-1', { payload: null, headers: {} })).rejects.toThrow('ThrottlingException happened');
  });
});
