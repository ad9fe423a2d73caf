/**
 * What a deployment may run: the digest of every step plan its state machines carry, and the origins those
 * plans call. The construct bakes this into the step runner's bundle; the step runner refuses any other plan
 * before it reads a secret or sends a request, so invoking the function by hand cannot aim the key elsewhere.
 */
import { createHash } from 'node:crypto';
import type { AslDefinition, AslState } from './asl.ts';

export interface DeployedPlans {
  /** sha256 (hex) of each Task's `Payload.plan` text, exactly as the definition carries it. */
  digests: string[];
  /** `scheme://host[:port]` of every plan's request URL. */
  origins: string[];
}

/**
 * The identifier the construct replaces, at bundling time, with the deployed plans as JSON text (esbuild
 * `define`). A bundle built without it refuses every plan.
 */
// Stryker disable next-line StringLiteral: set while the module loads, before Stryker activates a mutant; compile-rules.test.ts › defines the identifier the step runner reads fails on ''
export const DEPLOYED_PLANS_GLOBAL = '__ARAZZO_DEPLOYED_PLANS__';

/** esbuild passes `define` on its command line; stay well inside Linux's 128 KiB limit for one argument. */
// Stryker disable next-line ArithmeticOperator: set while the module loads, before Stryker activates a mutant; compile-rules.test.ts › holds a set whose text is exactly the limit fails on 96 / 1024
export const MAX_DEPLOYED_PLANS_TEXT = 96 * 1024;

export function planDigest(planText: string): string {
  // A string is hashed as its UTF-8 bytes.
  return createHash('sha256').update(planText).digest('hex');
}

/** The deployed plans of any number of definitions (a construct's state machine and its child workflows). */
export function deployedPlans(definitions: readonly AslDefinition[]): DeployedPlans {
  const digests = new Set<string>();
  const origins = new Set<string>();
  for (const definition of definitions) {
    for (const planText of planTexts(definition.States)) {
      digests.add(planDigest(planText));
      origins.add(planOrigin(planText));
    }
  }
  return { digests: [...digests].sort(), origins: [...origins].sort() };
}

/** The esbuild `define` entry that bakes `plans` into a step runner bundle. */
export function deployedPlansDefine(plans: DeployedPlans): Record<string, string> {
  const text = JSON.stringify(plans);
  if (text.length > MAX_DEPLOYED_PLANS_TEXT) {
    throw new Error(
      `the step runner would carry ${plans.digests.length} plan digests (${Math.ceil(text.length / 1024)} KiB), more than the ` +
        `${MAX_DEPLOYED_PLANS_TEXT / 1024} KiB its bundling command line can hold; split the workflows over more constructs`,
    );
  }
  // A define value is JavaScript source: a string literal holding the JSON text.
  return { [DEPLOYED_PLANS_GLOBAL]: JSON.stringify(text) };
}

/** Reads what `deployedPlansDefine` baked in; anything unreadable allows nothing. */
export function parseDeployedPlans(text: unknown): DeployedPlans {
  const none: DeployedPlans = { digests: [], origins: [] };
  if (typeof text !== 'string') return none;
  try {
    const value = JSON.parse(text) as Partial<DeployedPlans>;
    const strings = (list: unknown) => (Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []);
    return { digests: strings(value.digests), origins: strings(value.origins) };
  } catch {
    return none;
  }
}

/** The origin a plan's request goes to: its URL template with path placeholders filled. */
export function planOrigin(planText: string): string {
  const plan = JSON.parse(planText) as { request?: { url?: unknown } };
  const template = plan.request?.url;
  if (typeof template !== 'string') throw new Error('a step plan in the definition has no request.url');
  return new URL(template.replace(/\{[^{}]*\}/g, 'x')).origin;
}

function* planTexts(states: Record<string, AslState>): Generator<string> {
  for (const state of Object.values(states)) {
    const nested = state as { Branches?: Array<{ States?: Record<string, AslState> }>; ItemProcessor?: { States?: Record<string, AslState> }; Iterator?: { States?: Record<string, AslState> } };
    for (const branch of nested.Branches ?? []) if (branch.States) yield* planTexts(branch.States);
    for (const inner of [nested.ItemProcessor, nested.Iterator]) if (inner?.States) yield* planTexts(inner.States);
    if (state.Type !== 'Task') continue;
    const payload = (state.Parameters as { Payload?: { plan?: unknown } } | undefined)?.Payload;
    if (typeof payload?.plan === 'string') yield payload.plan;
  }
}
