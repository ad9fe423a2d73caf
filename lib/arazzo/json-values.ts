/** Small guards for parsed JSON and YAML values, shared by the loader, the step runtime and the simulator. */

/** A plain object (not null, not an array): what a JSON object or a YAML mapping parses to. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` parsed as JSON, or undefined when it is not a string or not JSON. */
export function parseJsonOrUndefined(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // text that is not JSON has no value
  }
  return undefined;
}
