/**
 * The shape of cdk.json's `context.arazzo`: every key at every level is listed, so a misspelt setting fails
 * synth naming the valid ones, instead of silently configuring nothing. Values the compiler checks against
 * the workflow (step ids, action names, source names, wait policies) are checked there; here names and types.
 *
 * A closed description rather than a JSON Schema run through ajv: compiling one costs ~100 ms on every
 * `npm start`, and all that is checked here is names, types and a few enumerations.
 */
import type { ArazzoAppConfig } from './app-config.ts';

export type Shape =
  | { type: 'string' | 'number' | 'boolean'; enum?: readonly unknown[] }
  | { type: 'integer' }
  | { type: 'array'; items: Shape }
  | { type: 'object'; properties?: Record<string, Shape>; additionalProperties?: Shape }
  | { type: 'any-object' };

const string: Shape = { type: 'string' };
const number: Shape = { type: 'number' };
const integer: Shape = { type: 'integer' };
const boolean: Shape = { type: 'boolean' };
const oneOf = (...values: string[]): Shape => ({ type: 'string', enum: values });
const closed = (properties: Record<string, Shape>): Shape => ({ type: 'object', properties });
type HttpApiSettings = NonNullable<ArazzoAppConfig['httpApi']>;
/** An object keyed by names the workflow defines (step ids, source names), each value of one shape. */
const byName = (value: Shape): Shape => ({ type: 'object', additionalProperties: value });

/** A wait policy's fields depend on its kind; the compiler names the field a policy of that kind does not have. */
const waitPolicy: Shape = { type: 'any-object' };

// `satisfies Record<keyof …>`: a setting added to the config types without a shape here fails the type-check.
export const HTTP_API_SETTINGS = closed({
  apiName: string,
  description: string,
  stageName: string,
  endpointType: oneOf('REGIONAL', 'EDGE', 'PRIVATE'),
  throttlingRateLimit: number,
  throttlingBurstLimit: number,
  usagePlan: closed({
    throttle: closed({ rateLimit: number, burstLimit: number }),
    quota: closed({ limit: integer, offset: integer, period: oneOf('DAY', 'WEEK', 'MONTH') }),
  }),
  accessLogRetention: integer,
  accessLogRemovalPolicy: oneOf('destroy', 'retain', 'snapshot', 'retain-on-update-or-delete'),
  cloudWatchRole: boolean,
  logging: boolean,
  webAclArn: string,
} satisfies Record<keyof HttpApiSettings, Shape>);

/** Every deployment setting; a variant may set each of them too. */
const SETTINGS = {
  stackName: string,
  document: string,
  overlay: string,
  allowRoots: { type: 'array', items: string },
  workflowId: string,
  serverUrls: byName(string),
  secretInputs: { type: 'array', items: string },
  existingSecret: string,
  stateMachineName: string,
  failureEnds: byName({ type: 'array', items: string }),
  idempotency: byName(closed({ in: oneOf('header', 'query', 'body'), name: string })),
  nonIdempotentSteps: { type: 'array', items: string },
  waitPolicy,
  stepWaitPolicies: byName(waitPolicy),
  transientRetry: closed({ budgetSeconds: integer, baseSeconds: integer, maxSeconds: integer, minSeconds: integer }),
  stepTransientRetries: byName(closed({ budgetSeconds: integer, baseSeconds: integer, maxSeconds: integer, minSeconds: integer })),
  loopLimit: closed({ maxIterations: integer, maxTotalWaitSeconds: integer }),
  requestTimeoutMs: integer,
  maxResponseBytes: integer,
  maxStringLength: integer,
  maxWorkflowDepth: integer,
  httpApi: HTTP_API_SETTINGS,
  includeExecutionData: boolean,
  kmsKey: boolean,
  callbacks: closed({
    enabled: boolean,
    overlay: string,
    url: closed({ step: string, in: oneOf('header', 'query', 'body'), name: string }),
    wakes: string,
    waitPolicy,
    receiver: closed({ maxBodyBytes: integer, throttle: closed({ rateLimit: number, burstLimit: number }) }),
  } satisfies Record<keyof NonNullable<ArazzoAppConfig['callbacks']>, Shape>),
} satisfies Record<Exclude<keyof ArazzoAppConfig, 'variants'>, Shape>;

export const APP_CONFIG_SHAPE = closed({
  ...SETTINGS,
  variants: byName(closed(SETTINGS)),
} satisfies Record<keyof ArazzoAppConfig, Shape>);

/** Every problem of `context.arazzo`, each naming its key and, for an unknown key, the keys there are. */
export function appConfigProblems(config: unknown, where = 'cdk.json: context.arazzo'): string[] {
  return shapeProblems(config, APP_CONFIG_SHAPE, where);
}

export function shapeProblems(value: unknown, shape: Shape, at: string): string[] {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  switch (shape.type) {
    case 'any-object':
      return isObject ? [] : [`${at} must be an object`];
    case 'object': {
      if (!isObject) return [`${at} must be an object`];
      return Object.entries(value).flatMap(([key, child]) => {
        const known = shape.properties && Object.hasOwn(shape.properties, key) ? shape.properties[key] : shape.additionalProperties;
        if (known === undefined) return [`${at}.${key} is not a known setting; known: ${Object.keys(shape.properties ?? {}).join(', ')}`];
        return shapeProblems(child, known, `${at}.${key}`);
      });
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => shapeProblems(item, shape.items, `${at}[${i}]`)) : [`${at} must be an array`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} must be a whole number`];
    default:
      if (typeof value !== shape.type) return [`${at} must be a ${shape.type}`];
      if (shape.enum && !shape.enum.includes(value)) return [`${at} must be one of ${shape.enum.map((v) => JSON.stringify(v)).join(', ')}`];
      return [];
  }
}
