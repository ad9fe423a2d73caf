/** One HTTP call with a deadline, bounded redirects and a bounded body, and what came back, classified for the retry policy. */

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
  | {
      kind: 'no-response';
      trouble: 'timeout' | 'network';
      detail: string;
      /** The connection was never made, so the server cannot have acted on the request. */
      notSent?: boolean;
    }
  | { kind: 'refused'; refusal: Refusal; detail: string; status: number | null };

/**
 * Answers the runner will not use, whatever the document says: each fails the step at once (never a
 * transient retry: asking again gets the same answer).
 */
export const Refusals = {
  redirectCrossOrigin: 'Arazzo.RedirectCrossOrigin',
  redirectLoop: 'Arazzo.RedirectLoop',
  redirectUnusable: 'Arazzo.RedirectUnusable',
  responseTooLarge: 'Arazzo.ResponseTooLarge',
  responseTooDeep: 'Arazzo.ResponseTooDeep',
} as const;
export type Refusal = (typeof Refusals)[keyof typeof Refusals];

export interface CallLimits {
  /** Covers the redirects and the body too: a server that sends headers and then stalls is still a timeout. */
  timeoutMs: number;
  /** The most body bytes read (after content decoding); more fails the step. */
  maxResponseBytes: number;
}

/** Default of the `maxResponseBytes` deployment option: far under the step runner's 256 MB of memory. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Deeper JSON is refused before parsing: the evaluators, the redactor and JSON.stringify recurse. */
export const MAX_JSON_DEPTH = 512;
/** Same-origin redirects followed for one GET or HEAD. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function callApi(request: HttpRequest, limits: CallLimits, fetchFn: typeof fetch): Promise<HttpOutcome> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    let url = request.url;
    const visited = new Set([url]);
    // Redirects are never followed by fetch: a credential must not travel to a host the deployment did not name.
    for (let hops = 0; ; hops++) {
      const response = await fetchFn(url, { method: request.method, headers: request.headers, body: request.body, signal, redirect: 'manual' });
      if (!REDIRECT_STATUSES.has(response.status)) return await readResponse(response, limits.maxResponseBytes);
      await response.body?.cancel().catch(() => undefined);
      const next = redirectTarget(url, response.headers.get('location'), response.status);
      if (typeof next !== 'string') return next;
      if (new URL(next).origin !== new URL(url).origin) {
        return refused(Refusals.redirectCrossOrigin, `HTTP ${response.status} redirects to another origin (${new URL(next).origin}); redirects are followed within the API's origin only`, response.status);
      }
      // A POST, PATCH, PUT or DELETE answered with a redirect is the API's answer: repeating it elsewhere could act twice.
      if (request.method !== 'GET' && request.method !== 'HEAD') return await readResponse(response, limits.maxResponseBytes);
      if (visited.has(next)) return refused(Refusals.redirectLoop, `HTTP ${response.status} redirects back to a URL already visited (a redirect loop)`, response.status);
      if (hops + 1 > MAX_REDIRECTS) return refused(Refusals.redirectLoop, `more than ${MAX_REDIRECTS} redirects`, response.status);
      visited.add(next);
      url = next;
    }
  } catch (error) {
    if (isTimeout(error) || signal.aborted) {
      return { kind: 'no-response', trouble: 'timeout', detail: `no answer within ${limits.timeoutMs} ms` };
    }
    return { kind: 'no-response', trouble: 'network', detail: networkDetail(error), ...(neverConnected(error) ? { notSent: true } : {}) };
  }
}

function redirectTarget(from: string, location: string | null, status: number): string | HttpOutcome {
  if (location === null || location.trim() === '') {
    return refused(Refusals.redirectUnusable, `HTTP ${status} redirects without a Location header`, status);
  }
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    return refused(Refusals.redirectUnusable, `HTTP ${status} redirects to a Location that is not a URL`, status);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return refused(Refusals.redirectUnusable, `HTTP ${status} redirects to a ${target.protocol} URL`, status);
  }
  return target.toString();
}

async function readResponse(response: Response, maxBytes: number): Promise<HttpOutcome> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const read = await readCapped(response, maxBytes);
  if (read === undefined) {
    return refused(Refusals.responseTooLarge, `HTTP ${response.status} with a body over ${maxBytes} bytes (maxResponseBytes); select a smaller resource or raise the limit`, response.status);
  }
  if (jsonDepthExceeds(read, MAX_JSON_DEPTH)) {
    return refused(Refusals.responseTooDeep, `HTTP ${response.status} with JSON nested deeper than ${MAX_JSON_DEPTH} levels`, response.status);
  }
  const { body, malformedJson } = parseBody(read, headers['content-type']);
  return { kind: 'response', status: response.status, headers, body, malformedJson };
}

/** The body as text, or undefined once it passes `maxBytes` (then the rest is never read). */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (response.headers.get('content-encoding') === null && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Whether JSON text nests arrays and objects deeper than `max`: one pass, no recursion, brackets inside
 * strings ignored. Text that is not JSON is scanned too, harmlessly (it is kept as text either way).
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > max) return true;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return false;
}

function refused(refusal: Refusal, detail: string, status: number | null): HttpOutcome {
  return { kind: 'refused', refusal, detail, status };
}

/** Transient trouble: worth the same call again after a wait. */
export type TransientKind = 'timeout' | 'network' | 'throttled' | 'server-error' | 'malformed-json';

export function transientKind(outcome: HttpOutcome): TransientKind | undefined {
  if (outcome.kind === 'refused') return undefined;
  if (outcome.kind === 'no-response') return outcome.trouble;
  if (outcome.status === 429) return 'throttled';
  if (outcome.status >= 500 && outcome.status <= 599) return 'server-error';
  if (outcome.malformedJson) return 'malformed-json';
  return undefined;
}

/**
 * Whether a failed call may still have acted on the server. 429 and 503 say the request was not processed
 * (RFC 9110, RFC 6585); a connection that was never made sent nothing. A reset or timeout after sending,
 * 500, 502, 504 and any other 5xx, and an answer with a broken body, all leave it open.
 */
export function mayHaveActed(outcome: HttpOutcome): boolean {
  if (outcome.kind === 'no-response') return outcome.notSent !== true;
  if (outcome.kind === 'refused') return true;
  return outcome.status !== 429 && outcome.status !== 503;
}

/** Short words for messages and logs: "HTTP 503", "timeout (no answer within 200 ms)". Never a body or header. */
export function describeOutcome(outcome: HttpOutcome): string {
  if (outcome.kind === 'refused') return `${outcome.refusal}: ${outcome.detail}`;
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

/** Failures that happen before a connection exists (refused, unresolvable, unreachable). */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function neverConnected(error: unknown): boolean {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' && NOT_CONNECTED_CODES.has(code);
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
