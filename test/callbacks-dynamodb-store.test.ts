/**
 * The callback store in DynamoDB: every operation is a conditional write, so a claim, an arm and a wake that cross
 * each other cannot both win, and an expired item is ignored before DynamoDB's TTL removes it.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { dynamoDbCallbackStore } from '../lambdas/callbacks/dynamodb-store.ts';

const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const dynamo = mockClient(client);
// The module is loaded and the store made afresh for every test, so its helpers and what the factory sets up are
// exercised inside a test (mutation testing credits no test with what runs while a file loads).
let store: ReturnType<typeof dynamoDbCallbackStore>;
const failed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const message = { payload: { status: 'succeeded' }, headers: {} };
const NOW = { N: '1700000000' };

let loads = 0;
beforeEach(async () => {
  dynamo.reset();
  // A module of its own for each test (the query), and only this one: vi.resetModules() would load the whole engine again.
  const fresh = `../lambdas/callbacks/dynamodb-store.ts?test=${++loads}`;
  const { dynamoDbCallbackStore } = (await import(/* @vite-ignore */ fresh)) as typeof import('../lambdas/callbacks/dynamodb-store.ts');
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

describe('the commands sent', () => {
  it('a claim sets claimedAt on the token\'s item only if it exists, is live and is unclaimed or reusable, and reads the item back', async () => {
    dynamo.on(UpdateItemCommand).rejects(failed());
    await store.claimToken('abc');
    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'callbacks',
      Key: { pk: { S: 'token#abc' } },
      UpdateExpression: 'SET claimedAt = :now',
      ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now AND (attribute_not_exists(claimedAt) OR reusable = :true)',
      ExpressionAttributeValues: { ':now': NOW, ':true': { BOOL: true } },
      ReturnValues: 'ALL_NEW',
    });
  });

  /** The two writes of arm (field taskToken, unless pending) and wake (field pending, unless taskToken), after an empty take. */
  async function writesOf(operation: () => Promise<unknown>) {
    dynamo.on(DeleteItemCommand).rejects(failed());
    dynamo.on(PutItemCommand).resolves({});
    await operation();
    return [dynamo.commandCalls(DeleteItemCommand)[0]!.args[0].input, dynamo.commandCalls(PutItemCommand)[0]!.args[0].input];
  }
  const takeOf = (field: string) => ({
    TableName: 'callbacks',
    Key: { pk: { S: 'wait#exec#poll' } },
    ConditionExpression: 'attribute_exists(#f) AND expiresAt > :now',
    ExpressionAttributeNames: { '#f': field },
    ExpressionAttributeValues: { ':now': NOW },
    ReturnValues: 'ALL_OLD',
  });
  const putOf = (field: string, value: string, expiresAt: string, unless: string) => ({
    TableName: 'callbacks',
    Item: { pk: { S: 'wait#exec#poll' }, [field]: { S: value }, expiresAt: { N: expiresAt } },
    ConditionExpression: 'attribute_not_exists(#u) OR expiresAt <= :now',
    ExpressionAttributeNames: { '#u': unless },
    ExpressionAttributeValues: { ':now': NOW },
  });

  it('arm deletes the wait\'s live pending wake, returning it, then puts its task token unless a live wake is there', async () => {
    expect(await writesOf(() => store.arm('exec#poll', 'task-1', 1_700_000_600_001))).toEqual([takeOf('pending'), putOf('taskToken', 'task-1', '1700000601', 'pending')]);
  });

  it('wake deletes the wait\'s live task token, returning it, then puts the wake unless a live task token is there', async () => {
    expect(await writesOf(() => store.wake('exec#poll', message, 1_700_086_400_000))).toEqual([takeOf('taskToken'), putOf('pending', JSON.stringify(message), '1700086400', 'taskToken')]);
  });

  it('a token stored without options is not reusable', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.putToken('abc', { executionId: 'exec', waitId: 'poll' }, 1_700_003_600_000);
    expect(dynamo.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'callbacks',
      Item: { pk: { S: 'token#abc' }, executionId: { S: 'exec' }, waitId: { S: 'poll' }, expiresAt: { N: '1700003600' } },
    });
  });
});

describe('a claimed item', () => {
  it('that lacks its key, its execution or its wait wakes nothing', async () => {
    const whole = { pk: { S: 'token#abc' }, executionId: { S: 'exec' }, waitId: { S: 'poll' } };
    for (const missing of ['pk', 'executionId', 'waitId'] as const) {
      const { [missing]: _, ...item } = whole;
      dynamo.on(UpdateItemCommand).resolves({ Attributes: item });
      expect(await store.claimToken('abc')).toBeUndefined();
    }
  });
});

describe('a wait and a wake that keep crossing', () => {
  it('arm gives up after three rounds of two writes, naming the race', async () => {
    dynamo.on(DeleteItemCommand).rejects(failed());
    dynamo.on(PutItemCommand).rejects(failed());
    await expect(store.arm('exec#poll', 'task-1', 1_700_000_600_000)).rejects.toThrow('the wait could not be armed: a wake and the wait kept crossing');
    expect([dynamo.commandCalls(DeleteItemCommand).length, dynamo.commandCalls(PutItemCommand).length]).toEqual([3, 3]);
  });

  it('wake gives up after three rounds of two writes, naming the race', async () => {
    dynamo.on(DeleteItemCommand).rejects(failed());
    dynamo.on(PutItemCommand).rejects(failed());
    await expect(store.wake('exec#poll', message, 1_700_086_400_000)).rejects.toThrow('the wake could not be recorded: a wait and the wake kept crossing');
    expect([dynamo.commandCalls(DeleteItemCommand).length, dynamo.commandCalls(PutItemCommand).length]).toEqual([3, 3]);
  });
});
