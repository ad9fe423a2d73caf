/**
 * Renders API Gateway (REST API) mapping templates the way API Gateway does, so tests can parse what a
 * template really produces instead of asserting that it exists.
 *
 * API Gateway runs Apache Velocity 1.7 on the JVM; velocityjs parses the same language, and the pieces
 * that differ are supplied here with Java semantics:
 * - String methods behave like java.lang.String (`replaceAll` and `matches` take Java regular
 *   expressions; `replaceAll("\\'", "'")` therefore replaces a backslash-apostrophe pair — a JavaScript
 *   `replaceAll` would search for the three literal characters and find nothing).
 * - `$util.escapeJavaScript` is Commons Lang 2.6 `StringEscapeUtils.escapeJavaScript`: it escapes `'` as
 *   `\'` (not valid JSON), `/` as `\/`, and every UTF-16 unit above 0x7f as `\uXXXX`.
 * - Velocity string literals keep backslashes as written (`"\\'"` is three characters).
 * - `$input.params()` maps behave like java.util.Map (`get`, `keySet`, `containsKey`).
 *
 * Where API Gateway's behaviour is not documented the harness refuses rather than guesses:
 * `$input.json` of a path that selects nothing throws (templates must guard such paths), and `$input.path`
 * of such a path can be rendered as null or as an empty string (`missingPath`) so a template can be tested
 * against both. Velocity 1.7 treats an empty string as true in `#if`, JavaScript does not, so templates
 * that test a bare reference (`#if($x)`) are refused: compare explicitly instead.
 */
import { render } from 'velocityjs';
import { jsonpath, type JSONValue } from 'json-p3';

export interface MethodRequest {
  /** The raw request body, as the client sent it. */
  body?: string;
  headers?: Record<string, string>;
  path?: Record<string, string>;
  querystring?: Record<string, string>;
}

export interface ContextValues {
  requestId: string;
  domainName: string;
  stage: string;
  httpMethod: string;
  resourcePath: string;
}

export interface RenderOptions {
  /** What `$input.path` returns for a path that selects nothing. @default 'null' */
  missingPath?: 'null' | 'empty';
  context?: Partial<ContextValues>;
}

export interface RenderedTemplate {
  text: string;
  /** What the template set in `$context.responseOverride` (`status` is honoured only as an integer 100-599). */
  responseOverride: { status?: unknown; header: Record<string, unknown> };
  requestOverride: { header: Record<string, unknown>; querystring: Record<string, unknown>; path: Record<string, unknown> };
}

const DEFAULT_CONTEXT: ContextValues = {
  requestId: 'c0ffee00-0000-4000-8000-000000000001',
  domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
  stage: 'v1',
  httpMethod: 'POST',
  resourcePath: '/executions',
};

/** Renders an integration request template: `$input` is the method request. */
export function renderRequestTemplate(
  template: string,
  request: MethodRequest,
  options: RenderOptions = {},
): RenderedTemplate {
  return renderMappingTemplate(template, request.body ?? '', request, options);
}

/** Renders an integration response template: `$input.body/json/path` read the integration response, `$input.params` the method request. */
export function renderResponseTemplate(
  template: string,
  integrationResponseBody: string,
  request: MethodRequest = {},
  options: RenderOptions = {},
): RenderedTemplate {
  return renderMappingTemplate(template, integrationResponseBody, request, options);
}

/**
 * Renders a gateway-response template: not VTL, only variable substitution (API Gateway's documentation:
 * "A GatewayResponse mapping template isn't processed by the Velocity Template Language (VTL) engine" and supports
 * "only simple variable substitution"). Each `$context.…` / `$stageVariables.…` reference is replaced by its value
 * as it is — no escaping, which is the point: a value holding a quote lands in the body as a quote. A reference
 * with no value given is refused, so a test cannot miss one.
 */
export function renderGatewayResponse(template: string, values: Record<string, string>): string {
  return template.replace(/\$(?:context|stageVariables)(?:\.[A-Za-z][A-Za-z0-9]*)+/g, (reference) => {
    if (!Object.hasOwn(values, reference)) throw new Error(`the gateway response references ${reference}, which the test gave no value`);
    return values[reference]!;
  });
}

function renderMappingTemplate(
  template: string,
  body: string,
  request: MethodRequest,
  options: RenderOptions,
): RenderedTemplate {
  refuseBareReferenceConditions(template);
  const responseOverride: RenderedTemplate['responseOverride'] = { header: {} };
  const requestOverride: RenderedTemplate['requestOverride'] = { header: {}, querystring: {}, path: {} };
  const context = { ...DEFAULT_CONTEXT, ...options.context, responseOverride, requestOverride };
  const vtlContext = {
    input: makeInput(body, request, options.missingPath ?? 'null'),
    util: makeUtil(),
    context,
  };
  const text = render(template, vtlContext, {}, { env: 'development', customMethodHandlers: [javaStringMethods] });
  return { text, responseOverride, requestOverride };
}

function refuseBareReferenceConditions(template: string): void {
  const bare = /#(?:else)?if\(\s*!?\s*\$!?\{?[\w.]+\}?\s*\)/.exec(template);
  if (bare) {
    throw new Error(
      `Template condition ${bare[0]} tests a bare reference; Velocity 1.7 and JavaScript disagree on its truth ` +
        '(an empty string is true in Velocity). Compare explicitly, e.g. #if($x != "").',
    );
  }
}

// ---------------------------------------------------------------- $input

function makeInput(body: string, request: MethodRequest, missingPath: 'null' | 'empty') {
  const params = {
    path: javaMap(request.path ?? {}),
    querystring: javaMap(request.querystring ?? {}),
    header: javaMap(request.headers ?? {}),
  };
  const select = (path: string): { found: boolean; value: unknown } => {
    const document = JSON.parse(body === '' ? '{}' : body) as JSONValue;
    const values = jsonpath.query(path, document).values();
    if (values.length === 0) return { found: false, value: undefined };
    return { found: true, value: values.length === 1 ? values[0] : values };
  };
  return {
    body,
    json(path: string): string {
      const { found, value } = select(path);
      if (!found) {
        throw new Error(
          `$input.json('${path}') selects nothing; what API Gateway renders then is not documented — guard it with $input.path first`,
        );
      }
      return JSON.stringify(value);
    },
    path(path: string): unknown {
      const { found, value } = select(path);
      if (!found) return missingPath === 'null' ? undefined : '';
      return value;
    },
    params(name?: string): unknown {
      if (name === undefined) return params;
      // API Gateway looks in the path, then the query string, then the headers.
      for (const source of [params.path, params.querystring, params.header]) {
        const value = source.get(name);
        if (value !== undefined) return value;
      }
      return '';
    },
  };
}

/** A plain object whose own keys are the entries, with java.util.Map's methods as non-enumerable members. */
function javaMap(entries: Record<string, string>): Record<string, string> & {
  get(key: string): string | undefined;
  keySet(): string[];
  containsKey(key: string): boolean;
} {
  const map = { ...entries };
  Object.defineProperties(map, {
    get: { value: (key: string) => (Object.hasOwn(entries, key) ? entries[key] : undefined) },
    keySet: { value: () => Object.keys(entries) },
    containsKey: { value: (key: string) => Object.hasOwn(entries, key) },
  });
  return map as ReturnType<typeof javaMap>;
}

// ---------------------------------------------------------------- $util

function makeUtil() {
  return {
    escapeJavaScript(value: unknown): string | undefined {
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'object') throw new Error('$util.escapeJavaScript of a map or list: render it with $input.json instead');
      return escapeJavaScript(String(value));
    },
    parseJson(text: string): unknown {
      return JSON.parse(text);
    },
    urlEncode(text: string): string {
      return javaUrlEncode(text);
    },
  };
}

/** Commons Lang 2.6 `StringEscapeUtils.escapeJavaScript`, unit by UTF-16 unit. */
export function escapeJavaScript(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const hex = unit.toString(16).toUpperCase();
    if (unit > 0xfff) out += `\\u${hex}`;
    else if (unit > 0xff) out += `\\u0${hex}`;
    else if (unit > 0x7f) out += `\\u00${hex}`;
    else if (unit < 32) {
      const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
      out += named[unit] ?? (unit > 0xf ? `\\u00${hex}` : `\\u000${hex}`);
    } else {
      const ch = text[i];
      if (ch === "'" || ch === '"' || ch === '\\' || ch === '/') out += `\\${ch}`;
      else out += ch;
    }
  }
  return out;
}

/** java.net.URLEncoder.encode(text, "UTF-8"). */
export function javaUrlEncode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------- java.lang.String

function javaRegex(pattern: string, flags = ''): RegExp {
  // The patterns templates use are the common subset of Java and ECMAScript regular expressions;
  // refuse the Java-only constructs rather than silently mis-evaluate them.
  if (/\\[QEAzZ]|[*+?}]\+/.test(pattern)) {
    throw new Error(`Java-only regular expression construct in ${pattern}`);
  }
  return new RegExp(pattern, flags);
}

/** Java's replacement syntax: `\x` is a literal x, `$n` a group. */
function javaReplacement(replacement: string): (match: string, ...groups: unknown[]) => string {
  return (match, ...rest) => {
    const groups = rest.slice(0, -2) as Array<string | undefined>;
    let out = '';
    for (let i = 0; i < replacement.length; i++) {
      const ch = replacement[i];
      if (ch === '\\') {
        i++;
        if (i >= replacement.length) throw new Error('character to be escaped is missing');
        out += replacement[i];
      } else if (ch === '$') {
        let digits = '';
        while (i + 1 < replacement.length && /[0-9]/.test(replacement[i + 1])) digits += replacement[++i];
        if (digits === '') throw new Error('Illegal group reference');
        const n = Number(digits);
        out += n === 0 ? match : (groups[n - 1] ?? '');
      } else out += ch;
    }
    return out;
  };
}

const JAVA_STRING: Record<string, (self: string, ...args: unknown[]) => unknown> = {
  replaceAll: (self, regex, replacement) => self.replace(javaRegex(String(regex), 'g'), javaReplacement(String(replacement))),
  replace: (self, target, replacement) => self.split(String(target)).join(String(replacement)),
  matches: (self, regex) => javaRegex(`^(?:${String(regex)})$`).test(self),
  length: (self) => self.length,
  isEmpty: (self) => self.length === 0,
  equals: (self, other) => typeof other === 'string' && self === other,
  contains: (self, other) => self.includes(String(other)),
  startsWith: (self, prefix) => self.startsWith(String(prefix)),
  endsWith: (self, suffix) => self.endsWith(String(suffix)),
  indexOf: (self, other) => self.indexOf(String(other)),
  lastIndexOf: (self, other) => self.lastIndexOf(String(other)),
  substring: (self, begin, end) => {
    const from = Number(begin);
    const to = end === undefined ? self.length : Number(end);
    if (from < 0 || to > self.length || from > to) throw new Error(`StringIndexOutOfBoundsException: begin ${from}, end ${to}, length ${self.length}`);
    return self.substring(from, to);
  },
  toLowerCase: (self) => self.toLowerCase(),
  toUpperCase: (self) => self.toUpperCase(),
  trim: (self) => {
    // java.lang.String.trim removes every code unit up to and including the space.
    let start = 0;
    let end = self.length;
    while (start < end && self.charCodeAt(start) <= 0x20) start++;
    while (end > start && self.charCodeAt(end - 1) <= 0x20) end--;
    return self.substring(start, end);
  },
  toString: (self: string) => self,
};

const javaStringMethods = {
  uid: 'java.lang.String',
  match: ({ context }: { property: string; context: unknown; params: unknown[] }) => typeof context === 'string',
  resolve: ({ property, context, params }: { property: string; context: unknown; params: unknown[] }) => {
    const method = Object.hasOwn(JAVA_STRING, property) ? JAVA_STRING[property] : undefined;
    if (!method) throw new Error(`String.${property}() is not provided by the VTL harness`);
    return method(context as string, ...params);
  },
};
