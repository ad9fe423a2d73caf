/**
 * The Lambda's environment: how long the secret is cached, and a deployment without a secret.
 */
import { describe, expect, it } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { callbackIssuerFromEnv, secretCacheTtlSeconds, secretSourceFromEnv } from '../../lambdas/step-runner/handler.ts';

describe('SECRET_CACHE_TTL_SECONDS', () => {
  it('left empty or blank means the default of 300 seconds', () => {
    expect(secretCacheTtlSeconds('')).toBe(300);
    expect(secretCacheTtlSeconds('   ')).toBe(300);
  });

  it('negative or not finite is refused, naming the variable', () => {
    expect(() => secretCacheTtlSeconds('-1')).toThrow('SECRET_CACHE_TTL_SECONDS is "-1"; set it to a whole number of seconds (0 disables the cache) or leave it unset for 300');
    expect(() => secretCacheTtlSeconds('Infinity')).toThrow('SECRET_CACHE_TTL_SECONDS is "Infinity"');
  });
});

describe('SECRET_ARN', () => {
  it('set to an empty string is treated as unset: steps without secret inputs run, steps with them are refused by name', async () => {
    const source = secretSourceFromEnv({ SECRET_ARN: '' }, new SecretsManagerClient({ region: 'eu-west-1' }));
    expect(await source.get([])).toEqual({});
    await expect(source.get(['apiKey', 'token'])).rejects.toMatchObject({
      name: 'Arazzo.SecretMisconfigured',
      message: 'SECRET_ARN is not set, but the step needs the secret inputs apiKey, token; set SECRET_ARN to the ARN of the secret that holds them',
    });
  });
});

describe('CALLBACK_TABLE and CALLBACK_BASE_URL', () => {
  it('a deployment without callback-woken waits (either variable unset or empty) issues no callback URLs', () => {
    expect(callbackIssuerFromEnv({})).toBeUndefined();
    expect(callbackIssuerFromEnv({ CALLBACK_TABLE: 'tokens' })).toBeUndefined();
    expect(callbackIssuerFromEnv({ CALLBACK_BASE_URL: 'https://api.example.test/prod/callbacks' })).toBeUndefined();
    expect(callbackIssuerFromEnv({ CALLBACK_TABLE: '', CALLBACK_BASE_URL: 'https://api.example.test/prod/callbacks' })).toBeUndefined();
    expect(callbackIssuerFromEnv({ CALLBACK_TABLE: 'tokens', CALLBACK_BASE_URL: '' })).toBeUndefined();
  });

  it('with both set, callback URLs are issued under that base URL, and a base URL that is not absolute http(s) is refused', () => {
    expect(callbackIssuerFromEnv({ CALLBACK_TABLE: 'tokens', CALLBACK_BASE_URL: 'https://api.example.test/prod/callbacks' })).toMatchObject({ issue: expect.any(Function) });
    expect(() => callbackIssuerFromEnv({ CALLBACK_TABLE: 'tokens', CALLBACK_BASE_URL: 'callbacks' })).toThrow("the callback base URL must be an absolute http(s) URL, not 'callbacks'");
  });
});
