/**
 * The deployment configuration of the CDK app: cdk.json context key `arazzo`, overridable per command
 * (`cdk synth -c overlay=none`, `-c document=...`). Checked here so a typo fails synth with the key's name.
 */
import { appConfigProblems } from './app-config-schema.ts';
import type { CompileOptions } from './compile/compile-options.ts';
import type { ArazzoWorkflowStackProps } from './arazzo-workflow-stack.ts';

export interface ArazzoAppConfig extends Omit<CompileOptions, 'functionArn'> {
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
  const { stackName, document, overlay, allowRoots, existingSecret, httpApi, kmsKey, variants: _variants, ...compile } = config;
  return {
    stackName,
    ...(existingSecret ? { existingSecret } : {}),
    ...(httpApi ? { httpApi } : {}),
    ...(kmsKey ? { kmsKey } : {}),
    workflow: { documentPath: document, ...(overlay ? { overlayPath: overlay } : {}), ...(allowRoots ? { allowRoots } : {}), ...compile },
  };
}

/** The settings that change the compiled definition, without those that only change the deployment around it. */
export function compileOptionsOf(config: ArazzoAppConfig): Omit<CompileOptions, 'functionArn'> {
  const { stackName: _s, document: _d, overlay: _o, allowRoots: _r, existingSecret: _e, stateMachineName: _n, httpApi: _h, includeExecutionData: _i, kmsKey: _k, ...compile } = config;
  return compile;
}
