/**
 * The deployment configuration of the CDK app: cdk.json context key `arazzo`, overridable per command
 * (`cdk synth -c overlay=none`, `-c document=...`). Checked here so a typo fails synth with the key's name.
 */
import { appConfigProblems } from './app-config-schema.ts';
import type { CallbackOptions, CompileOptions } from './compile/compile-options.ts';
import type { ArazzoWorkflowStackProps } from './arazzo-workflow-stack.ts';

/** cdk.json `arazzo.callbacks`: callback-woken waits, off unless `enabled` (or `-c callbacks=on`). See docs/callbacks.md. */
export interface CallbackSettings extends CallbackOptions {
  /** @default false */
  enabled?: boolean;
  /** An overlay applied after `overlay` when callbacks are on (e.g. one that adds the API's callback entry to the request). */
  overlay?: string;
  /** The public callback route: body cap and throttle. */
  receiver?: CallbackReceiverSettings;
}

export interface CallbackReceiverSettings {
  /** @default 65536 */
  maxBodyBytes?: number;
  /** Requests per second and burst of POST /callbacks/{token}. @default { rateLimit: 20, burstLimit: 40 } */
  throttle?: { rateLimit: number; burstLimit: number };
}

export interface ArazzoAppConfig extends Omit<CompileOptions, 'functionArn' | 'callbackRegistrarArn' | 'callbacks'> {
  stackName: string;
  document: string;
  /** Overlay file, or undefined for the document as written. */
  overlay?: string;
  /** Directories besides the document's own that its source descriptions may be read from. @default none */
  allowRoots?: string[];
  existingSecret?: string;
  stateMachineName?: string;
  /** HTTP API settings, e.g. `{"usagePlan": {"throttle": {"rateLimit": 5, "burstLimit": 10}}}`. */
  httpApi?: ArazzoWorkflowStackProps['httpApi'];
  callbacks?: CallbackSettings;
  /** Log each execution's input, output and state data to the state machine's log group. @default false */
  includeExecutionData?: boolean;
  /** Create a customer managed KMS key (rotated) for the secret, the log groups and the state machines. @default false */
  kmsKey?: boolean;
  /**
   * Named alternatives, chosen with `-c variant=<name>`: each setting a variant gives replaces the base's
   * (e.g. `callback`: the Arazzo 1.1 Civitai document woken by Civitai's callback). Gone once one is chosen.
   */
  variants?: Record<string, Partial<Omit<ArazzoAppConfig, 'variants'>>>;
}

/**
 * Reads the `arazzo` context object, the variant `-c variant=<name>` chooses, then the flat overrides
 * (`-c document=…`, `-c overlay=none`, `-c serverUrl.<name>=…`).
 */
export function readAppConfig(getContext: (key: string) => unknown): ArazzoAppConfig {
  const base = getContext('arazzo');
  if (base === undefined || typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new Error('cdk.json: context.arazzo must be an object with at least "document" (path of the Arazzo document)');
  }
  const problems = appConfigProblems(base);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const config = withVariant(base as Record<string, unknown>, getContext('variant'));
  for (const key of ['document', 'overlay', 'workflowId', 'existingSecret', 'stackName']) {
    const override = getContext(key);
    if (typeof override === 'string') config[key] = override;
  }
  if (config.overlay === 'none' || config.overlay === '') delete config.overlay;
  const callbackSwitch = getContext('callbacks');
  if (callbackSwitch !== undefined) {
    const on = ['on', 'true', true].includes(callbackSwitch as string | boolean);
    if (!on && !['off', 'false', false].includes(callbackSwitch as string | boolean)) {
      throw new Error(`-c callbacks=${String(callbackSwitch)}: say on or off`);
    }
    if (on && config.callbacks === undefined) {
      throw new Error('-c callbacks=on: cdk.json context.arazzo.callbacks must say where the request carries the callback URL (url) and which polling step it wakes (wakes); see docs/callbacks.md');
    }
    if (config.callbacks !== undefined) config.callbacks = { ...(config.callbacks as object), enabled: on };
  }
  if (typeof config.document !== 'string') throw new Error('cdk.json: context.arazzo.document must be the path of an Arazzo document');
  if (config.allowRoots !== undefined && !(Array.isArray(config.allowRoots) && config.allowRoots.every((root) => typeof root === 'string' && root !== ''))) {
    throw new Error('cdk.json: context.arazzo.allowRoots must be a list of directories (e.g. ["workflows"])');
  }
  return { stackName: 'ArazzoWorkflow', ...config } as unknown as ArazzoAppConfig;
}

/** The base settings with the chosen variant's on top; `variants` itself is not a deployment setting. */
function withVariant(base: Record<string, unknown>, chosen: unknown): Record<string, unknown> {
  const { variants, ...config } = base as { variants?: Record<string, Record<string, unknown>> };
  if (chosen === undefined || chosen === '' || chosen === 'none') return config;
  const names = Object.keys(variants ?? {});
  if (typeof chosen !== 'string' || !Object.hasOwn(variants ?? {}, chosen)) {
    throw new Error(`-c variant=${String(chosen)}: cdk.json context.arazzo.variants has no such variant; variants: ${names.join(', ') || 'none'}`);
  }
  return { ...config, ...variants![chosen] };
}

export function stackPropsFromConfig(config: ArazzoAppConfig): ArazzoWorkflowStackProps {
  const { stackName, document, overlay, allowRoots, existingSecret, httpApi, kmsKey, callbacks, variants: _variants, ...compile } = config;
  const { enabled, overlay: callbackOverlay, receiver, ...callbackOptions } = callbacks ?? {};
  return {
    stackName,
    ...(existingSecret ? { existingSecret } : {}),
    ...(httpApi ? { httpApi } : {}),
    ...(kmsKey ? { kmsKey } : {}),
    ...(enabled && receiver ? { callbackRoute: receiver } : {}),
    workflow: {
      documentPath: document,
      ...(overlay ? { overlayPath: overlay } : {}),
      ...(allowRoots ? { allowRoots } : {}),
      ...compile,
      ...(enabled ? { callbacks: { ...(callbackOptions as CallbackOptions), ...(callbackOverlay ? { overlayPath: callbackOverlay } : {}) } } : {}),
    },
  };
}

/** The settings that change the compiled definition, without those that only change the deployment around it. */
export function compileOptionsOf(config: ArazzoAppConfig): Omit<CompileOptions, 'functionArn'> {
  const { stackName: _s, document: _d, overlay: _o, allowRoots: _r, existingSecret: _e, stateMachineName: _n, httpApi: _h, includeExecutionData: _i, kmsKey: _k, callbacks, ...compile } = config;
  if (!callbacks?.enabled) return compile;
  const { enabled: _on, overlay: _co, receiver: _rc, ...callbackOptions } = callbacks;
  return { ...compile, callbacks: callbackOptions };
}
