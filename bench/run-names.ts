/**
 * How a bench run is recognised by the simulator: its prompt carries the run's name, so `planFor` can give the
 * run's job its plan whatever order concurrent submits arrive in. Kept apart from bench-app.ts so the
 * simulator process does not load the CDK.
 */
const PROMPT_PREFIX = 'bench run ';

export function promptFor(name: string): string {
  return `${PROMPT_PREFIX}${name}`;
}

/** The run name a submitted template's prompt carries, for `planFor`. */
export function runNameOf(template: unknown): string | undefined {
  const prompt = (template as { steps?: Array<{ input?: { prompt?: unknown } }> }).steps?.[0]?.input?.prompt;
  if (typeof prompt !== 'string' || !prompt.startsWith(PROMPT_PREFIX)) return undefined;
  return prompt.slice(PROMPT_PREFIX.length);
}
