/** One HTTP call with a deadline, and what came back, classified for the retry policy. */

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export type HttpOutcome =
  | {
      kind: 'response';
      status: number;
      /** Lower-cased names. */
      headers: Record<string, string>;
      /** Parsed JSON when the body is JSON, the text otherwise, undefined when empty. */
      body: unknown;
      /** The content type says JSON but the text does not parse. */
      malformedJson: boolean;
    }
  | { kind: 'no-response'; trouble: 'timeout' | 'network'; detail: string };

/** Transient trouble: worth the same call again after a wait. */
export type TransientKind = 'timeout' | 'network' | 'throttled' | 'server-error' | 'malformed-json';

export async function callApi(request: HttpRequest, timeoutMs: number, fetchFn: typeof fetch): Promise<HttpOutcome> {
  // The deadline covers the body too: a server that sends headers and then stalls is still a timeout.
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchFn(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'follow',
    });
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const { body, malformedJson } = parseBody(text, headers['content-type']);
    return { kind: 'response', status: response.status, headers, body, malformedJson };
  } catch (error) {
    if (isTimeout(error) || signal.aborted) {
      return { kind: 'no-response', trouble: 'timeout', detail: `no answer within ${timeoutMs} ms` };
    }
    return { kind: 'no-response', trouble: 'network', detail: networkDetail(error) };
  }
}

export function transientKind(outcome: HttpOutcome): TransientKind | undefined {
  if (outcome.kind === 'no-response') return outcome.trouble;
  if (outcome.status === 429) return 'throttled';
  if (outcome.status >= 500 && outcome.status <= 599) return 'server-error';
  if (outcome.malformedJson) return 'malformed-json';
  return undefined;
}

/** Short words for messages and logs: "HTTP 503", "timeout (no answer within 200 ms)". Never a body or header. */
export function describeOutcome(outcome: HttpOutcome): string {
  if (outcome.kind === 'no-response') {
    return outcome.trouble === 'timeout' ? `timeout (${outcome.detail})` : `network error (${outcome.detail})`;
  }
  return outcome.malformedJson ? `HTTP ${outcome.status} with a malformed JSON body` : `HTTP ${outcome.status}`;
}

export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function parseBody(text: string, contentType: string | undefined): { body: unknown; malformedJson: boolean } {
  if (text.trim() === '') return { body: undefined, malformedJson: false };
  try {
    return { body: JSON.parse(text) as unknown, malformedJson: false };
  } catch {
    return { body: text, malformedJson: isJsonContentType(contentType) };
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** The low-level reason (e.g. ECONNRESET), which says more than fetch's own "fetch failed". */
function networkDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (typeof cause === 'object' && cause !== null) {
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    const message = 'message' in cause && typeof cause.message === 'string' ? cause.message : undefined;
    if (code !== undefined && message !== undefined) return `${code}: ${message}`;
    if (code !== undefined || message !== undefined) return (code ?? message) as string;
  }
  return error.message;
}
