/**
 * The callback store in DynamoDB: every operation is a conditional write, so a claim, an arm and a wake that cross
 * each other cannot both win, and an expired item is ignored before DynamoDB's TTL removes it.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbCallbackStore } from '../lambdas/callbacks/dynamodb-store.ts';

const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const dynamo = mockClient(client);
// Made afresh for every test, so what the factory sets up is exercised inside a test (and by mutation testing).
let store: ReturnType<typeof dynamoDbCallbackStore>;
const failed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const message = { payload: { status: 'succeeded' }, headers: {} };

beforeEach(() => {
  dynamo.reset();
  store = dynamoDbCallbackStore('callbacks', { client, now: () => 1_700_000_000_000 });
});

describe('claimToken', () => {
  it('claims a live, unclaimed token by its hash, once (or again when reusable), and returns its wait', async () => {
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { pk: { S: 'token#abc' }, executionId: { S: 'exec' }, waitId: { S: 'poll' } } });
    expect(await store.claimToken('abc')).toEqual({ executionId: 'exec', waitId: 'poll' });
    const input = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TableName: 'callbacks', Key: { pk: { S: 'token#abc' } } });
    expect(input.ConditionExpression).toBe('attribute_exists(pk) AND expiresAt > :now AND (attribute_not_exists(claimedAt) OR reusable = :true)');
    expect(input.ExpressionAttributeValues?.[':now']).toEqual({ N: '1700000000' });
  });

  it('reads a failed condition (unknown, expired, claimed) as no token, and any other failure as an error', async () => {
    dynamo.on(UpdateItemCommand).rejects(failed());
    expect(await store.claimToken('abc')).toBeUndefined();
    dynamo.on(UpdateItemCommand).rejects(new Error('throttled'));
    await expect(store.claimToken('abc')).rejects.toThrow('throttled');
  });

  it('refuses an item whose key is not the hash asked for', async () => {
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { pk: { S: 'token#other' }, executionId: { S: 'exec' }, waitId: { S: 'poll' } } });
    expect(await store.claimToken('abc')).toBeUndefined();
  });
});

describe('arm and wake', () => {
  it('arm takes a pending wake when there is one, else stores the task token unless a wake just arrived', async () => {
    dynamo.on(DeleteItemCommand).resolvesOnce({ Attributes: { pending: { S: JSON.stringify(message) } } });
    expect(await store.arm('exec#poll', 'task-1', 1_700_000_600_000)).toEqual(message);

    dynamo.reset();
    dynamo.on(DeleteItemCommand).rejects(failed());
    dynamo.on(PutItemCommand).resolves({});
    expect(await store.arm('exec#poll', 'task-1', 1_700_000_600_000)).toBeUndefined();
    const put = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.Item).toMatchObject({ pk: { S: 'wait#exec#poll' }, taskToken: { S: 'task-1' }, expiresAt: { N: '1700000600' } });
    expect(put.ConditionExpression).toBe('attribute_not_exists(#u) OR expiresAt <= :now');
    expect(put.ExpressionAttributeNames).toEqual({ '#u': 'pending' });
  });

  it('arm takes a wake that arrived between its two writes', async () => {
    dynamo.on(DeleteItemCommand).rejectsOnce(failed()).resolvesOnce({ Attributes: { pending: { S: JSON.stringify(message) } } });
    dynamo.on(PutItemCommand).rejectsOnce(failed());
    expect(await store.arm('exec#poll', 'task-1', 1_700_000_600_000)).toEqual(message);
  });

  it('wake takes the armed task token, or leaves a pending wake that never overwrites an armed token', async () => {
    dynamo.on(DeleteItemCommand).resolvesOnce({ Attributes: { taskToken: { S: 'task-1' } } });
    expect(await store.wake('exec#poll', message, 1_700_086_400_000)).toBe('task-1');
    expect(dynamo.commandCalls(DeleteItemCommand)[0]!.args[0].input.ConditionExpression).toBe('attribute_exists(#f) AND expiresAt > :now');

    dynamo.reset();
    dynamo.on(DeleteItemCommand).rejects(failed());
    dynamo.on(PutItemCommand).resolves({});
    expect(await store.wake('exec#poll', message, 1_700_086_400_000)).toBeUndefined();
    const put = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.Item?.pending).toEqual({ S: JSON.stringify(message) });
    expect(put.ExpressionAttributeNames).toEqual({ '#u': 'taskToken' });
  });

  it('stores a token\'s hash with its wait and expiry, and marks a reusable one', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.putToken('abc', { executionId: 'exec', waitId: 'poll' }, 1_700_003_600_000, { reusable: true });
    expect(dynamo.commandCalls(PutItemCommand)[0]!.args[0].input.Item).toEqual({
      pk: { S: 'token#abc' },
      executionId: { S: 'exec' },
      waitId: { S: 'poll' },
      expiresAt: { N: '1700003600' },
      reusable: { BOOL: true },
    });
  });
});
