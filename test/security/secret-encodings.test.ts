/**
 * Secret → anything a run leaves behind. An API that echoes the credential back (raw, JSON-escaped inside
 * text, URL-encoded, base64 as in Basic auth, hex) must not get it into the state, the execution history
 * (the local runner's events), the step runner's logs, the progress lines a local run prints, the output or
 * a failure cause. And a secret whose stored value is not a string is refused, not converted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errors } from '../../lib/compile/step-plan.ts';
import { createRedactor, REDACTED } from '../../lib/runtime/redact.ts';
import { executeLocally, type LocalExecutionResult } from '../../local/local-execution.ts';
import { createProgressPrinter } from '../../local/progress.ts';
import { compileFile, projectRoot } from '../support/compile-fixture.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';

/** Quotes, a backslash and URL-special characters, so each encoding spells it differently. */
const SECRET = 'sk-"quoted"\\back/slash+plus=eq?&~end';
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

const ENCODINGS: Record<string, string> = {
  raw: SECRET,
  'JSON-escaped': JSON.stringify(SECRET).slice(1, -1),
  'URL-encoded': encodeURIComponent(SECRET),
  base64: base64(SECRET),
  'base64 (URL-safe, unpadded)': base64(SECRET).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  hex: hex(SECRET),
  'hex (upper case)': hex(SECRET).toUpperCase(),
};

let api: TestServer;
beforeAll(async () => {
  api = await startTestServer((request, response) => {
    const seen = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    const echo = {
      raw: seen,
      jsonText: `{"token": ${JSON.stringify(seen)}}`,
      urlEncoded: `https://echo.example.test/cb?token=${encodeURIComponent(seen)}`,
      base64: base64(seen),
      basicAuth: `Basic ${base64(`user:${seen}`)}`,
      hex: hex(seen),
    };
    if (request.path === '/echo') {
      response.writeHead(200, { 'content-type': 'application/json', 'x-echo': base64(seen) }).end(JSON.stringify(echo));
    } else {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `bad credential ${hex(seen)} / ${echo.urlEncoded}` }));
    }
  });
});
afterAll(async () => {
  await api.close();
});

function compiled() {
  return compileFile(`${projectRoot}/test/fixtures/security/echo.arazzo.yml`, { secretInputs: ['token'], serverUrls: { echoApi: api.baseUrl } });
}

/** Every string anywhere in `value` (keys too). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe('a run against an API that echoes the secret in five encodings', () => {
  let result: LocalExecutionResult;
  const printed: string[] = [];
  beforeAll(async () => {
    result = await executeLocally({
      definition: compiled().definition,
      input: { label: 'nightly' },
      secrets: { token: SECRET },
      onEvent: createProgressPrinter((line) => printed.push(line), 'real'),
    });
  });

  it('sent the secret to the API, and the step saw every echo (so there was something to leak)', () => {
    expect(api.received[0].headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(result).toMatchObject({ status: 'FAILED', error: Errors.stepFailed });
    const exited = result.events.find((e) => e.type === 'StateExited' && e.stateName === 'echo');
    expect((exited?.output as { steps: { echo: Record<string, unknown> } }).steps.echo.raw).toBe(REDACTED);
  });

  for (const [name, spelling] of Object.entries(ENCODINGS)) {
    it(`leaves no ${name} copy in the state, the history, the logs, the progress lines or the cause`, () => {
      const everything = [...strings(result.events), ...strings(result.logs), ...printed, result.cause ?? '', ...strings(result.output)];
      expect(everything.filter((text) => text.includes(spelling))).toEqual([]);
    });
  }

  it('leaves no Basic auth value that decodes to the secret', () => {
    const exited = result.events.find((e) => e.type === 'StateExited' && e.stateName === 'echo');
    const basic = (exited?.output as { steps: { echo: { basicAuth: string } } }).steps.echo.basicAuth;
    expect(basic).toContain(REDACTED);
    expect(Buffer.from(basic.replace(/^Basic /, ''), 'base64').toString('utf8')).not.toContain(SECRET);
  });
});

describe('the redactor', () => {
  it('finds the base64 of the secret behind any prefix, as in Basic user:secret, and in URL-safe base64', () => {
    const redactor = createRedactor([SECRET]);
    for (const prefix of ['', 'u', 'us', 'user:', 'a-longer-user-name:']) {
      for (const suffix of ['', '!', '!?']) {
        const encoded = base64(`${prefix}${SECRET}${suffix}`);
        for (const text of [encoded, encoded.replace(/\+/g, '-').replace(/\//g, '_')]) {
          const scrubbed = redactor.scrub(text);
          expect(scrubbed).toContain(REDACTED);
          expect(Buffer.from(scrubbed.replace(REDACTED, ''), 'base64').toString('utf8')).not.toContain(SECRET.slice(3, -3));
        }
      }
    }
  });

  it('leaves short encoded fragments of a short secret alone rather than shredding ordinary text', () => {
    const redactor = createRedactor(['abc']);
    expect(redactor.scrub('YWJj is fine, and so is abcdef')).toBe(`YWJj is fine, and so is ${REDACTED}def`);
  });
});

describe('a secret whose stored value is not a string', () => {
  for (const [kind, value] of [['a number', 12345], ['a boolean', true], ['an object', { key: 'v' }], ['null', null]] as const) {
    it(`(${kind}) is refused with Arazzo.SecretMisconfigured naming the input, not converted and sent`, async () => {
      const before = api.received.length;
      const refused = await executeLocally({ definition: compiled().definition, input: { label: 'x' }, secrets: { token: value } as unknown as Record<string, string> });
      expect(refused).toMatchObject({ status: 'FAILED', error: Errors.secretMisconfigured });
      expect(refused.cause).toContain(`secret input \\"token\\" in the local secret store is ${kind}, not a string`);
      expect(api.received.length).toBe(before);
    });
  }
});
