/**
 * The cold-start baseline: the least a Lambda that polls an HTTP API can do, one fetch and its JSON.
 * Bundled and timed exactly like the step runner, so the ratio shows what the step runner itself adds.
 */
export interface MinimalPollEvent {
  url: string;
  headers: Record<string, string>;
}

export async function handler(event: MinimalPollEvent): Promise<{ statusCode: number; body: unknown }> {
  const response = await fetch(event.url, { headers: event.headers });
  return { statusCode: response.status, body: (await response.json()) as unknown };
}
