/**
 * The step runner Lambda. Wiring only: everything about the document comes in the event's plan, which must be
 * one of the plans baked into this bundle at deploy time; the environment names just the secret that holds
 * the secret inputs and how long to cache it.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createStepRunner } from '../../lib/runtime/run-step.ts';
import { parseDeployedPlans } from '../../lib/compile/plan-digests.ts';
import { Errors } from '../../lib/compile/step-plan.ts';
import { SecretError, secretsManagerSource, type SecretSource } from '../../lib/runtime/secrets.ts';
import { callbackIssuer, type CallbackIssuer } from '../../lib/runtime/callbacks/issuer.ts';
import { dynamoDbCallbackStore } from '../callbacks/dynamodb-store.ts';

/** Replaced by the construct's bundling (esbuild define, see DEPLOYED_PLANS_GLOBAL); unset, no plan runs. */
declare const __ARAZZO_DEPLOYED_PLANS__: string | undefined;

const DEFAULT_SECRET_CACHE_TTL_SECONDS = 300;

export function secretCacheTtlSeconds(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_SECRET_CACHE_TTL_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`SECRET_CACHE_TTL_SECONDS is "${value}"; set it to a whole number of seconds (0 disables the cache) or leave it unset for ${DEFAULT_SECRET_CACHE_TTL_SECONDS}`);
  }
  return seconds;
}

export function secretSourceFromEnv(env: NodeJS.ProcessEnv, client: SecretsManagerClient): SecretSource {
  const secretArn = env.SECRET_ARN;
  const ttlSeconds = secretCacheTtlSeconds(env.SECRET_CACHE_TTL_SECONDS);
  if (secretArn === undefined || secretArn === '') {
    return {
      get: async (names) => {
        if (names.length === 0) return {};
        throw new SecretError(Errors.secretMisconfigured, `SECRET_ARN is not set, but the step needs the secret inputs ${names.join(', ')}; set SECRET_ARN to the ARN of the secret that holds them`);
      },
    };
  }
  return secretsManagerSource(client, secretArn, ttlSeconds);
}

/** Set when the deployment has callback-woken waits: the table of callback tokens and the public callback route. */
export function callbackIssuerFromEnv(env: NodeJS.ProcessEnv): CallbackIssuer | undefined {
  const table = env.CALLBACK_TABLE;
  const baseUrl = env.CALLBACK_BASE_URL;
  if (!table || !baseUrl) return undefined;
  return callbackIssuer({ store: dynamoDbCallbackStore(table), baseUrl, now: Date.now });
}

const callbacks = callbackIssuerFromEnv(process.env);

// Created once per execution environment so warm invocations reuse the client and the secret cache.
export const handler = createStepRunner({
  // Stryker disable next-line ConditionalExpression,StringLiteral: only the bundled handler has the define; test/security/foreign-plan.test.ts runs that bundle in a child process, where Stryker cannot see it fail
  deployed: parseDeployedPlans(typeof __ARAZZO_DEPLOYED_PLANS__ === 'undefined' ? undefined : __ARAZZO_DEPLOYED_PLANS__),
  secrets: secretSourceFromEnv(process.env, new SecretsManagerClient({})),
  fetch: globalThis.fetch,
  random: Math.random,
  log: (entry) => console.log(JSON.stringify(entry)),
  ...(callbacks ? { callbacks } : {}),
});
