import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Errors } from '../compile/step-plan.ts';

/**
 * Trouble with the secret store. Its name is the error Step Functions sees: the Task retries
 * `Arazzo.SecretUnavailable`; `Arazzo.SecretMisconfigured` ends the run (retrying cannot fix the secret).
 */
export class SecretError extends Error {
  constructor(name: typeof Errors.secretUnavailable | typeof Errors.secretMisconfigured, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name;
  }
}

/** Where the values of a workflow's secret inputs come from. */
export interface SecretSource {
  /** Values for the named secret inputs. Rejects, naming the input, when one is not there. */
  get(names: string[]): Promise<Record<string, string>>;
}

/** Fixed values, for local runs and tests. */
export function staticSecretSource(values: Record<string, unknown>): SecretSource {
  return {
    get: async (names) => pick(values, names, 'the local secret store', 'add it to the local secrets'),
  };
}

/**
 * The one Secrets Manager secret that holds a deployment's secret inputs. Its SecretString is either a JSON
 * object mapping input names to values, or a plain string when the workflow has exactly one secret input.
 * The secret is re-read once `ttlSeconds` have passed, so a rotated value is picked up without a redeploy,
 * while a warm Lambda polling every few seconds does not call Secrets Manager on every step.
 */
export function secretsManagerSource(
  client: SecretsManagerClient,
  secretArn: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): SecretSource {
  let cached: { secretString: Promise<string>; readAt: number } | undefined;

  const secretString = (): Promise<string> => {
    const at = now();
    if (cached === undefined || at - cached.readAt >= ttlSeconds * 1000) {
      const reading = readSecretString(client, secretArn);
      cached = { secretString: reading, readAt: at };
      // A failed read must not be served from the cache; the next invocation tries again.
      reading.catch(() => {
        if (cached?.secretString === reading) cached = undefined;
      });
    }
    return cached.secretString;
  };

  return {
    async get(names) {
      if (names.length === 0) return {};
      const text = await secretString();
      const values = parseSecretString(text, names, secretArn);
      return pick(values, names, `secret ${secretArn}`, `add the key "<name>" to the secret's JSON object`);
    },
  };
}

async function readSecretString(client: SecretsManagerClient, secretArn: string): Promise<string> {
  let secretString: string | undefined;
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    secretString = response.SecretString;
  } catch (error) {
    // The SDK's message names the secret and the reason (access denied, not found, throttled), never the value.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new SecretError(Errors.secretUnavailable, `cannot read secret ${secretArn} from Secrets Manager (${reason}); check that it exists and the step runner role may read it`, error);
  }
  if (secretString === undefined) {
    throw new SecretError(Errors.secretMisconfigured, `secret ${secretArn} has no SecretString (binary secrets are not supported); store the secret inputs as a JSON object of strings`);
  }
  return secretString;
}

function parseSecretString(text: string, names: string[], secretArn: string): Record<string, unknown> {
  const parsed = parseJsonObject(text);
  if (parsed !== undefined) return parsed;
  if (names.length === 1) return { [names[0]]: text };
  throw new SecretError(
    Errors.secretMisconfigured,
    `secret ${secretArn} holds a plain string, but the secret inputs ${names.join(', ')} need one value each; ` +
      `store a JSON object such as {"${names[0]}": "..."} with a key per input`,
  );
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A secret value must be a string: the redactor finds strings, so a number or an object would reach the
 * request and then the state unrecognised. Such a value is refused, never converted.
 */
function pick(values: Record<string, unknown>, names: string[], where: string, fix: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of names) {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      throw new SecretError(Errors.secretMisconfigured, `secret input "${name}" is not in ${where}; ${fix.replace('<name>', name)}`);
    }
    if (typeof value !== 'string') {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
      throw new SecretError(Errors.secretMisconfigured, `secret input "${name}" in ${where} is ${kind}, not a string; store it as a JSON string (in quotes)`);
    }
    result[name] = value;
  }
  return result;
}
