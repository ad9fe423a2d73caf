/**
 * The callback store in DynamoDB: one table, key `pk`, TTL attribute `expiresAt` (epoch seconds). Items:
 * `token#<sha256>` (the wait a callback URL wakes, claimed once) and `wait#<executionId>#<waitId>` (an armed task
 * token or a pending wake). Conditional writes make arm and wake atomic against each other; expiry is checked on
 * every read because DynamoDB deletes expired items only eventually.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CallbackStore } from '../../lib/runtime/callbacks/store.ts';
import { sameHash } from '../../lib/runtime/callbacks/tokens.ts';
import type { WakeMessage } from '../../lib/runtime/callbacks/types.ts';

const seconds = (ms: number) => Math.ceil(ms / 1000);
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

type Sdk = typeof import('@aws-sdk/client-dynamodb');

/**
 * `client` defaults to a new DynamoDBClient. The SDK is loaded on first use, so a step runner whose deployment has
 * no callbacks (or a run that never reaches the step that sends a callback URL) does not pay for loading it.
 */
export function dynamoDbCallbackStore(tableName: string, options: { client?: DynamoDBClient; now?: () => number } = {}): CallbackStore {
  const now = options.now ?? Date.now;
  let loaded: Promise<{ sdk: Sdk; client: DynamoDBClient }> | undefined;
  const load = () =>
    (loaded ??= import('@aws-sdk/client-dynamodb').then((sdk) => ({ sdk, client: options.client ?? new sdk.DynamoDBClient({}) })));
  const nowSeconds = () => N(Math.floor(now() / 1000));
  const conditional = async <T>(send: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await send();
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  };
  const takeWait = async (pk: string, field: 'taskToken' | 'pending') => {
    const { sdk, client } = await load();
    const deleted = await conditional(() =>
      client.send(
        new sdk.DeleteItemCommand({
          TableName: tableName,
          Key: { pk: S(pk) },
          ConditionExpression: 'attribute_exists(#f) AND expiresAt > :now',
          ExpressionAttributeNames: { '#f': field },
          ExpressionAttributeValues: { ':now': nowSeconds() },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (deleted === undefined) return undefined;
    // Stryker disable next-line OptionalChaining: the delete succeeded only if the item held #f, and ALL_OLD returns that item
    return deleted.Attributes?.[field]?.S;
  };
  const putWait = async (pk: string, field: 'taskToken' | 'pending', value: string, expiresAt: number, unless: 'taskToken' | 'pending') => {
    const { sdk, client } = await load();
    return conditional(() =>
      client.send(
        new sdk.PutItemCommand({
          TableName: tableName,
          Item: { pk: S(pk), [field]: S(value), expiresAt: N(seconds(expiresAt)) },
          // Never overwrite a live entry of the other kind: that one must be taken instead.
          ConditionExpression: 'attribute_not_exists(#u) OR expiresAt <= :now',
          ExpressionAttributeNames: { '#u': unless },
          ExpressionAttributeValues: { ':now': nowSeconds() },
        }),
      ),
    );
  };

  return {
    async putToken(tokenHash, target, expiresAt, options) {
      const { sdk, client } = await load();
      await client.send(
        new sdk.PutItemCommand({
          TableName: tableName,
          Item: {
            pk: S(`token#${tokenHash}`),
            executionId: S(target.executionId),
            waitId: S(target.waitId),
            expiresAt: N(seconds(expiresAt)),
            ...(options?.reusable ? { reusable: { BOOL: true } } : {}),
          },
        }),
      );
    },
    async claimToken(tokenHash) {
      const pk = `token#${tokenHash}`;
      const { sdk, client } = await load();
      const result = await conditional(() =>
        client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(pk) },
            UpdateExpression: 'SET claimedAt = :now',
            // A reusable token (a receive step's) may be claimed again; any other once.
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now AND (attribute_not_exists(claimedAt) OR reusable = :true)',
            ExpressionAttributeValues: { ':now': nowSeconds(), ':true': { BOOL: true } },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      const item = result?.Attributes;
      if (item?.pk?.S === undefined || !sameHash(item.pk.S, pk) || item.executionId?.S === undefined || item.waitId?.S === undefined) return undefined;
      return { executionId: item.executionId.S, waitId: item.waitId.S };
    },
    async arm(waitKey, taskToken, expiresAt) {
      const pk = `wait#${waitKey}`;
      for (let round = 0; round < 3; round++) {
        const pending = await takeWait(pk, 'pending');
        if (pending !== undefined) return JSON.parse(pending) as WakeMessage;
        if ((await putWait(pk, 'taskToken', taskToken, expiresAt, 'pending')) !== undefined) return undefined;
      }
      throw new Error('the wait could not be armed: a wake and the wait kept crossing');
    },
    async wake(waitKey, message, expiresAt) {
      const pk = `wait#${waitKey}`;
      for (let round = 0; round < 3; round++) {
        const taskToken = await takeWait(pk, 'taskToken');
        if (taskToken !== undefined) return taskToken;
        if ((await putWait(pk, 'pending', JSON.stringify(message), expiresAt, 'taskToken')) !== undefined) return undefined;
      }
      throw new Error('the wake could not be recorded: a wait and the wake kept crossing');
    },
  };
}
