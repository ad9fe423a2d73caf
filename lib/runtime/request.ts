import { resolveEncoded, resolveValue, type ExpressionContext } from '../arazzo/expressions.ts';
import type { StepPlan } from '../compile/step-plan.ts';
import type { HttpRequest } from './http.ts';
import { isJsonContentType } from './http.ts';
import { removeAtPointer, setAtPointer } from './json-pointer.ts';
import { isXmlContentType, jsonPathTargets, replacementTargetKind } from '../arazzo/replacement-target.ts';
import { replaceAtXPath } from '../arazzo/xml.ts';

/** The request as runtime expressions see it (`$request.header.X`, `$request.body#/a`, ...). */
export type RequestContext = NonNullable<ExpressionContext['request']>;

export type BuiltRequest =
  | { ok: true; http: HttpRequest; context: RequestContext }
  | { ok: false; problem: string };

/**
 * Builds the HTTP request a step plan describes. Values that resolve to nothing (an optional input that was
 * not given) are left out rather than sent as null; a path parameter without a value makes the request
 * impossible, which is reported as a problem instead of calling a URL with a hole in it.
 */
export function buildRequest(plan: StepPlan, context: ExpressionContext, idempotencyKey?: string, callbackUrl?: string): BuiltRequest {
  const path: Record<string, string> = {};
  const query: Array<[string, string]> = [];
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  let querystring: string | undefined;

  for (const parameter of plan.request.parameters) {
    const value =
      parameter.in === 'querystring' && typeof parameter.value === 'string'
        ? resolveEncoded(parameter.value, context, encodeURIComponent)
        : resolveValue(parameter.value, context, selectors(plan));
    if (parameter.in === 'path') {
      if (value === undefined || value === null || typeof value === 'object') {
        return {
          ok: false,
          problem: `path parameter "${parameter.name}" has no value (${describeSource(parameter.value)} resolved to ${value === null ? 'null' : typeof value === 'object' ? 'an object' : 'nothing'}); the request URL cannot be built`,
        };
      }
      path[parameter.name] = String(value);
      continue;
    }
    if (value === undefined || value === null) continue;
    if (parameter.in === 'query') {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) query.push([parameter.name, asText(item)]);
      }
    } else if (parameter.in === 'header') {
      setHeader(headers, parameter.name, Array.isArray(value) ? value.map(asText).join(', ') : asText(value));
    } else if (parameter.in === 'querystring') {
      querystring = asText(value).replace(/^\?/, '');
    } else if (parameter.in === 'cookie') {
      cookies.push(`${parameter.name}=${encodeURIComponent(asText(value))}`);
    } else {
      return { ok: false, problem: `parameter "${parameter.name}" has location "${String(parameter.in)}"; use path, query, querystring, header or cookie` };
    }
  }
  if (cookies.length > 0) setHeader(headers, 'Cookie', cookies.join('; '));

  let payload = resolvePayload(plan, context);
  if (payload.ok === false) return payload;
  let body = payload.value;

  // Values the deployment adds to the request: the idempotency key, the run's callback URL.
  const added: Array<{ place: { in: 'header' | 'query' | 'body'; name: string }; value: string; field: string }> = [
    ...(plan.idempotency !== undefined && idempotencyKey !== undefined ? [{ place: plan.idempotency, value: idempotencyKey, field: 'idempotency.name' }] : []),
    ...(plan.callback !== undefined && callbackUrl !== undefined ? [{ place: plan.callback, value: callbackUrl, field: 'callbacks.url.name' }] : []),
  ];
  for (const { place, value, field } of added) {
    const { in: location, name } = place;
    if (location === 'header') setHeader(headers, name, value);
    else if (location === 'query') {
      const kept = query.filter(([queryName]) => queryName !== name);
      query.length = 0;
      query.push(...kept, [name, value]);
    } else {
      payload = writePointer(body ?? {}, name, value, field);
      if (payload.ok === false) return payload;
      body = payload.value;
    }
  }

  const placeholders = [...plan.request.url.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1]);
  const unfilled = placeholders.find((name) => !Object.hasOwn(path, name));
  if (unfilled !== undefined) {
    return {
      ok: false,
      problem: `the URL template has the placeholder {${unfilled}} but the step has no path parameter "${unfilled}"; add one`,
    };
  }
  let url: URL;
  try {
    url = new URL(plan.request.url.replace(/\{([^{}]+)\}/g, (_placeholder, name: string) => encodeURIComponent(path[name])));
  } catch {
    return { ok: false, problem: `request.url "${plan.request.url}" is not an absolute URL; the server base URL must include the scheme and host` };
  }
  // Arazzo 1.1 `querystring`: the whole query string as the document writes it, values embedded percent-encoded.
  if (querystring !== undefined) url.search = querystring;
  for (const [name, value] of query) url.searchParams.append(name, value);

  const http: HttpRequest = { method: plan.request.method.toUpperCase(), url: url.toString(), headers };
  if (body !== undefined) {
    const contentType = headerValue(headers, 'content-type') ?? plan.request.body?.contentType ?? 'application/json';
    setHeader(headers, 'Content-Type', contentType);
    http.body = encodeBody(body, contentType);
  }

  return {
    ok: true,
    http,
    context: { headers: { ...headers }, query: Object.fromEntries(url.searchParams), path, body },
  };
}

type Result = { ok: true; value: unknown } | { ok: false; problem: string };

function resolvePayload(plan: StepPlan, context: ExpressionContext): Result {
  const declared = plan.request.body;
  if (declared === undefined) return { ok: true, value: undefined };
  const xml = isXmlContentType(declared.contentType);
  // The resolved payload is copied so replacements never write into the plan. Values embedded in XML text are
  // escaped, so an input cannot add elements.
  let payload: unknown =
    xml && typeof declared.payload === 'string'
      ? resolveEncoded(declared.payload, context, escapeXml)
      : structuredCopy(resolveValue(declared.payload, context, selectors(plan)));
  for (const [index, replacement] of (declared.replacements ?? []).entries()) {
    const value = resolveValue(replacement.value, context, selectors(plan));
    if (replacementTargetKind(replacement, declared) === 'xpath') {
      if (typeof payload !== 'string') return { ok: false, problem: `requestBody.replacements[${index}].target: an XPath target needs an XML payload (text)` };
      const replaced = replaceAtXPath(payload, replacement.target, value ?? '');
      if ('error' in replaced) return { ok: false, problem: `requestBody.replacements[${index}].target: ${replaced.error}` };
      payload = replaced.xml;
      continue;
    }
    const field = `requestBody.replacements[${index}].target`;
    const selected = replacementTargetKind(replacement, declared) === 'jsonpath' ? jsonPathTargets(payload, replacement.target) : { pointers: [replacement.target] };
    if ('error' in selected) return { ok: false, problem: `${field}: ${selected.error}` };
    for (const pointer of selected.pointers) {
      const written = value === undefined ? removePointer(payload, pointer, field) : writePointer(payload, pointer, value, field);
      if (written.ok === false) return written;
      payload = written.value;
    }
  }
  return { ok: true, value: payload };
}

/** Whether objects shaped like Selector Objects are ones (1.1 documents; see StepPlan.selectors). */
function selectors(plan: StepPlan): { selectors: boolean } {
  return { selectors: plan.selectors === true };
}

function removePointer(document: unknown, pointer: string, field: string): Result {
  return atPointer(() => removeAtPointer(document, pointer), field);
}

function writePointer(document: unknown, pointer: string, value: unknown, field: string): Result {
  return atPointer(() => setAtPointer(document, pointer, value), field);
}

function atPointer(edit: () => unknown, field: string): Result {
  try {
    return { ok: true, value: edit() };
  } catch (error) {
    return { ok: false, problem: `${field}: ${(error as Error).message}` };
  }
}

function encodeBody(body: unknown, contentType: string): string {
  if (isJsonContentType(contentType)) return JSON.stringify(body);
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded' && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) form.append(name, asText(item));
      }
    }
    return form.toString();
  }
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function asText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Header names are case-insensitive: a later value replaces an earlier one however it was spelled. */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const existing of Object.keys(headers)) {
    if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
  }
  headers[name] = value;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((existing) => existing.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function describeSource(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : 'its value';
}

function structuredCopy(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
