/**
 * The document → compiler boundary, as the loader meets it: reading files through the gate, the OpenAPI
 * descriptions a document names, overlays, pinned remote sources and the errors that report all of it. Each
 * test writes the few files it needs into a scratch directory and loads them through the public functions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { ArazzoDocumentError, ArazzoExpressionError } from '../../lib/arazzo/errors.ts';
import { MAX_DOCUMENT_BYTES } from '../../lib/arazzo/document-file.ts';
import { findWorkflow, loadArazzo, resolveStepOperation, type LoadArazzoOptions } from '../../lib/arazzo/load.ts';
import { pinSources } from '../../lib/arazzo/pin-sources.ts';
import { lockFileOf, sha256 } from '../../lib/arazzo/pinned-sources.ts';
import type { Step } from '../../lib/arazzo/types.ts';

const scratch = mkdtempSync(join(tmpdir(), 'alr-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = Record<string, unknown>;

/** A fresh directory for one test's files. */
const directory = (): string => mkdtempSync(join(scratch, 'c-'));

/** Writes `content` (text, or a value written as YAML) to `name` in `dir`; returns its path. */
function write(dir: string, name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

const openapi = (extra: Json = {}): Json => ({
  openapi: '3.0.3',
  info: { title: 'Pets', version: '1' },
  servers: [{ url: 'https://pets.example.test' }],
  paths: { '/pets': { get: { operationId: 'listPets' } } },
  ...extra,
});

/** An Arazzo document whose one step calls `step` on the given sources. */
function arazzo(sources: Json[], extra: Json = {}, step: Json = { operationId: 'listPets' }): Json {
  return {
    arazzo: '1.0.1',
    info: { title: 'Loading rules', version: '1.0.0' },
    sourceDescriptions: sources,
    workflows: [{ workflowId: 'w', steps: [{ stepId: 's', ...step }] }],
    ...extra,
  };
}

/** A document next to an OpenAPI description `description` (named api, read from api.yml). */
function documentWith(description: unknown, extra: Json = {}, step?: Json): string {
  const dir = directory();
  write(dir, 'api.yml', description);
  return write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url: './api.yml', type: 'openapi' }], extra, step));
}

/** The message of the ArazzoDocumentError `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ArazzoDocumentError) return error.message;
    throw error;
  }
  throw new Error('expected an ArazzoDocumentError');
}

const load = (file: string, options?: LoadArazzoOptions) => loadArazzo(file, options);

describe('an OpenAPI source description', () => {
  it('that is not an object is refused, naming the file', () => {
    const file = documentWith('- just\n- a list\n');
    expect(refusal(() => load(file))).toBe(`${join(file, '../api.yml')}: is not an OpenAPI description (expected an object)`);
  });

  it('that is Swagger 2.0 is refused at its openapi field, saying the version found and the fix', () => {
    const file = documentWith({ swagger: '2.0', info: { title: 'Pets', version: '1' }, paths: {} });
    expect(refusal(() => load(file))).toBe(
      `${join(file, '../api.yml')} › openapi: must be an OpenAPI 3.x version (found Swagger "2.0"); convert the description to OpenAPI 3.0 or 3.1`,
    );
  });

  it('whose openapi version is not 3.x is refused, repeating the version only when it looks like one', () => {
    const found = (version: unknown): string => {
      const description = openapi({ openapi: version });
      if (version === undefined) delete description.openapi;
      const message = refusal(() => load(documentWith(description)));
      return /\(found (.*)\); convert/.exec(message)?.[1] ?? message;
    };
    expect(found(undefined)).toBe('no version');
    expect(found(2)).toBe('2');
    expect(found('22.10')).toBe('"22.10"');
    expect(found('3.0')).toBe('"3.0"');
    expect(found('x2.0')).toBe('a value that is not a version number');
    expect(found('2.0x')).toBe('a value that is not a version number');
    expect(found('2.0.0.0')).toBe('a value that is not a version number');
  });

  it('without any server gives its operations an empty base URL, for the deployment to supply', () => {
    const { servers: _servers, ...serverless } = openapi();
    const loaded = load(documentWith(serverless));
    expect(loaded.sources.api.operations).toEqual([{ sourceDescription: 'api', operationId: 'listPets', method: 'GET', path: '/pets', serverUrl: '' }]);
  });
});

describe("a step's operationPath", () => {
  const resolveWith = (operationPath: string): string => {
    const loaded = load(documentWith(openapi(), {}, { operationPath }));
    const workflow = findWorkflow(loaded);
    return refusal(() => resolveStepOperation(loaded, workflow, workflow.steps[0] as Step));
  };
  const EXAMPLE = 'e.g. #/paths/~1pets~1{petId}/get (each "/" in the path written ~1)';

  it('that is not a JSON Pointer is refused, saying so', () => {
    expect(resolveWith('{$sourceDescriptions.api.url}#paths')).toMatch(/operationPath: "#paths" is not a JSON Pointer: .+/);
  });

  it('that does not point at /paths/<path>/<method> is refused with an example', () => {
    expect(resolveWith('{$sourceDescriptions.api.url}#/info/title')).toMatch(
      new RegExp(`operationPath: the pointer "#/info/title" must name an operation as /paths/<path>/<method>, ${escape(EXAMPLE)}$`),
    );
  });

  it('that names a missing operation is refused, naming the method and path it looked for', () => {
    expect(resolveWith('{$sourceDescriptions.api.url}#/paths/~1pets/post')).toMatch(
      new RegExp(`operationPath: the pointer "#/paths/~1pets/post" names nothing in the description \\(no POST /pets\\); ${escape(EXAMPLE)}$`),
    );
  });

  it('that names something under a path that is not an HTTP method is refused, saying so', () => {
    const loaded = load(documentWith(openapi({ paths: { '/pets': { get: { operationId: 'listPets' }, summary: 'Pets' } } }), {}, {
      operationPath: '{$sourceDescriptions.api.url}#/paths/~1pets/summary',
    }));
    const workflow = findWorkflow(loaded);
    expect(refusal(() => resolveStepOperation(loaded, workflow, workflow.steps[0] as Step))).toMatch(
      new RegExp(`operationPath: the pointer "#/paths/~1pets/summary" does not name an operation \\(summary is not an HTTP method\\); ${escape(EXAMPLE)}$`),
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the source descriptions of a document', () => {
  it('with a url that is not a URL is refused at that url', () => {
    const dir = directory();
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url: 'http://[bad', type: 'openapi' }]));
    expect(refusal(() => load(file))).toBe(`${file} › sourceDescriptions[0] › url: "http://[bad" is not a URL or relative path`);
  });

  it('with a url no synth can read (not a file, not http) is refused, saying what to give instead', () => {
    const dir = directory();
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url: 'ftp://files.example.test/api.yml', type: 'openapi' }]));
    expect(refusal(() => load(file))).toBe(
      `${file} › sourceDescriptions[0] › url: ftp://files.example.test/api.yml cannot be read at synth time; give an https:// URL (pinned with --pin-sources) or a path next to the document`,
    );
  });

  it('resolved against a remote $self say so when they cannot be read', () => {
    const dir = directory();
    const file = write(dir, 'doc.arazzo.yml', {
      ...arazzo([{ name: 'api', url: 'api.yml', type: 'openapi' }]),
      arazzo: '1.1.0',
      $self: 'ftp://files.example.test/docs/doc.arazzo.yml',
    });
    expect(refusal(() => load(file))).toBe(
      `${file} › sourceDescriptions[0] › url: ftp://files.example.test/docs/api.yml (resolved against $self ftp://files.example.test/docs/doc.arazzo.yml) cannot be read at synth time; give an https:// URL (pinned with --pin-sources) or a path next to the document`,
    );
  });

  it('with a $self that is not a URI reference are refused at $self', () => {
    const dir = directory();
    const file = write(dir, 'doc.arazzo.yml', { ...arazzo([{ name: 'api', url: 'api.yml', type: 'openapi' }]), arazzo: '1.1.0', $self: 'http://[bad' });
    expect(refusal(() => load(file))).toBe(`${file} › $self: "http://[bad" is not a URI-reference (RFC 3986)`);
  });

  it('with a same-document reference (#) name the document itself, read as Arazzo', () => {
    const dir = directory();
    write(dir, 'api.yml', openapi());
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url: './api.yml' }, { name: 'self', url: '#' }]));
    expect(load(file).sources.self).toEqual({ name: 'self', url: file, type: 'arazzo', operations: [] });
  });

  it('without a type are read as what the file says it is: Arazzo, AsyncAPI or OpenAPI', () => {
    const dir = directory();
    write(dir, 'child.arazzo.yml', arazzo([{ name: 'api', url: './api.yml' }]));
    write(dir, 'events.yml', { asyncapi: '3.0.0', info: { title: 'Events', version: '1' }, channels: {}, operations: {} });
    write(dir, 'api.yml', openapi());
    const file = write(dir, 'doc.arazzo.yml', arazzo([
      { name: 'child', url: './child.arazzo.yml' },
      { name: 'events', url: './events.yml' },
      { name: 'api', url: './api.yml' },
    ]));
    const { sources } = load(file);
    expect(sources.child).toEqual({ name: 'child', url: join(dir, 'child.arazzo.yml'), type: 'arazzo', operations: [] });
    expect(sources.events).toMatchObject({ name: 'events', type: 'asyncapi', operations: [], asyncapi: expect.any(Object) });
    expect(sources.api).toMatchObject({ name: 'api', type: 'openapi', operations: [expect.objectContaining({ operationId: 'listPets' })] });
  });

  it('of type arazzo are read only inside the roots, naming the source and its field', () => {
    const outside = directory();
    write(outside, 'child.arazzo.yml', arazzo([{ name: 'api', url: './api.yml' }]));
    const dir = directory();
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'child', url: `../${outside.split('/').pop()}/child.arazzo.yml`, type: 'arazzo' }]));
    expect(refusal(() => load(file))).toMatch(
      new RegExp(`^${escape(file)} › sourceDescriptions\\[0\\] › url: "\\.\\./c-\\w+/child\\.arazzo\\.yml" \\(${escape(join(outside, 'child.arazzo.yml'))}\\): is outside the directories the compiler may read: ${escape(dir)}\\. `),
    );
    const loaded = load(file, { allowRoots: [outside] });
    expect(loaded.sources.child).toEqual({ name: 'child', url: join(outside, 'child.arazzo.yml'), type: 'arazzo', operations: [] });
  });

  it('of type arazzo that do not exist are refused, naming the source', () => {
    const dir = directory();
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'child', url: './child.arazzo.yml', type: 'arazzo' }]));
    expect(refusal(() => load(file))).toBe(
      `${file} › sourceDescriptions[0] › url: "./child.arazzo.yml" (${join(dir, 'child.arazzo.yml')}): cannot read the source description "child" (no such file); check the path`,
    );
  });

  it('confined to roots read the document itself only inside them', () => {
    const dir = directory();
    write(dir, 'api.yml', openapi());
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url: './api.yml' }]));
    const elsewhere = directory();
    expect(refusal(() => load(file, { confineTo: [elsewhere] }))).toMatch(
      new RegExp(`^${escape(file)}: is outside the directories the compiler may read: ${escape(elsewhere)}\\. `),
    );
  });
});

describe("a workflow's input schema", () => {
  const inputsError = (inputs: Json, components: Json): string => {
    const dir = directory();
    write(dir, 'api.yml', openapi());
    const document = arazzo([{ name: 'api', url: './api.yml' }], { components: { inputs: components } });
    (document.workflows as Json[])[0].inputs = inputs;
    return refusal(() => load(write(dir, 'doc.arazzo.yml', document)));
  };
  const W = 'doc.arazzo.yml › workflows[w] › inputs';

  it('referring to a missing component is refused, listing the components there are', () => {
    expect(inputsError({ $ref: '#/components/inputs/person' }, { order: { type: 'object' }, item: { type: 'object' } })).toMatch(
      new RegExp(`${escape(W)} › \\$ref: "#/components/inputs/person" names no input schema; components.inputs has "order", "item"$`),
    );
  });

  it('referring to a component when there are none says there are none', () => {
    expect(inputsError({ $ref: '#/components/inputs/person' }, {})).toMatch(/\$ref: "#\/components\/inputs\/person" names no input schema; components\.inputs has none$/);
  });

  it('lists at most 30 component names', () => {
    const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`in${i}`, { type: 'object' }]));
    expect(inputsError({ $ref: '#/components/inputs/person' }, many(30))).toMatch(/has "in0", "in1", .*"in28", "in29"$/);
    expect(inputsError({ $ref: '#/components/inputs/person' }, many(31))).toMatch(/has "in0", "in1", .*"in28", "in29", …$/);
  });

  it('referring to itself is refused', () => {
    expect(inputsError({ $ref: '#/components/inputs/loop' }, { loop: { type: 'object', properties: { next: { $ref: '#/components/inputs/loop' } } } })).toMatch(
      new RegExp(`${escape(W)} › \\$ref: "#/components/inputs/loop" refers to itself$`),
    );
  });

  it('keeps the fields written beside a $ref, over the referenced schema', () => {
    const dir = directory();
    write(dir, 'api.yml', openapi());
    const document = arazzo([{ name: 'api', url: './api.yml' }], { components: { inputs: { order: { type: 'object', description: 'an order' } } } });
    (document.workflows as Json[])[0].inputs = { $ref: '#/components/inputs/order', description: 'the order to place', required: ['id'] };
    const loaded = load(write(dir, 'doc.arazzo.yml', document));
    expect(loaded.document.workflows[0].inputs).toEqual({ type: 'object', description: 'the order to place', required: ['id'] });
  });
});

describe('errors about a document', () => {
  it('name their kind', () => {
    expect(new ArazzoDocumentError('doc.yml', 'is wrong').name).toBe('ArazzoDocumentError');
    expect(new ArazzoExpressionError('$nope', 'is not an expression').name).toBe('ArazzoExpressionError');
  });

  it('keep a line of 400 characters whole and cut a longer one, saying how much was cut', () => {
    const exact = 'x'.repeat(400 - 'doc.yml: '.length);
    expect(new ArazzoDocumentError('doc.yml', exact).message).toBe(`doc.yml: ${exact}`);
    const long = new ArazzoDocumentError('doc.yml', 'y'.repeat(491)).message;
    expect(long).toBe(`doc.yml: ${'y'.repeat(351)}… (140 characters cut)`);
  });

  it('with one problem keep its own location; with many list at most 50, saying how many more there are', () => {
    const problems = (count: number) => {
      const dir = directory();
      const document = arazzo([{ name: 'api', url: './api.yml' }]);
      (document.info as Json) = { title: 'Loading rules', version: '1.0.0', ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`extra${i}`, 1])) };
      const file = write(dir, 'doc.arazzo.yml', document);
      try {
        load(file);
      } catch (error) {
        return { file, error: error as ArazzoDocumentError };
      }
      throw new Error('expected a refusal');
    };
    const one = problems(1);
    expect(one.error.message).toMatch(new RegExp(`^${escape(one.file)} › info › extra0: is not a field of the Arazzo info object`));
    expect(one.error.message).not.toContain('\n');

    const many = problems(60);
    const lines = many.error.message.split('\n');
    expect(lines[0]).toBe(`${many.file}: 60 problems:`);
    expect(lines[1]).toMatch(new RegExp(`^  - ${escape(many.file)} › info › extra0: is not a field`));
    expect(lines).toHaveLength(52);
    expect(lines[50]).toMatch(/^ {2}- .* › info › extra49: /);
    expect(lines[51]).toBe('  … and 10 more');
    expect(many.error.problems).toHaveLength(50);
    expect(many.error.problems[49]).toMatch(/› info › extra49: /);
  });
});


describe('a file the compiler reads', () => {
  const sourceError = (url: string, dir = directory(), options?: LoadArazzoOptions): string =>
    refusal(() => load(write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url, type: 'openapi' }])), options));
  const FIELD = 'sourceDescriptions[0] › url';

  it('that the operator named and that does not exist is refused by its path, once', () => {
    const missing = join(directory(), 'missing.arazzo.yml');
    expect(refusal(() => load(missing))).toBe(`${missing}: cannot read the Arazzo document (no such file); check the path`);
  });

  it('that a field names by its absolute path is named once; a relative reference is shown as written', () => {
    const dir = directory();
    const missing = join(dir, 'missing.yml');
    expect(sourceError(missing, dir)).toBe(`${join(dir, 'doc.arazzo.yml')} › ${FIELD}: ${missing}: cannot read the source description "api" (no such file); check the path`);
    expect(sourceError('./missing.yml', dir)).toBe(
      `${join(dir, 'doc.arazzo.yml')} › ${FIELD}: "./missing.yml" (${missing}): cannot read the source description "api" (no such file); check the path`,
    );
  });

  it('under a path whose parent is a file is refused as missing', () => {
    const dir = directory();
    write(dir, 'api.yml', openapi());
    expect(sourceError('./api.yml/inner.yml', dir)).toMatch(/"\.\/api\.yml\/inner\.yml" \(.*\): cannot read the source description "api" \(no such file\); check the path$/);
  });

  it('that cannot be resolved for another reason is refused with the system code', () => {
    const dir = directory();
    symlinkSync(join(dir, 'loop-b.yml'), join(dir, 'loop-a.yml'));
    symlinkSync(join(dir, 'loop-a.yml'), join(dir, 'loop-b.yml'));
    expect(sourceError('./loop-a.yml', dir)).toMatch(/: cannot read the source description "api" \(ELOOP\); check the path and its permissions$/);
  });

  it('that is not a regular file is refused, saying what it is', async () => {
    const dir = directory();
    mkdirSync(join(dir, 'folder.yml'));
    execFileSync('mkfifo', [join(dir, 'pipe.yml')]);
    const server = createServer();
    await new Promise<void>((listening) => server.listen(join(dir, 'socket.yml'), listening));
    try {
      expect(sourceError('./folder.yml', dir)).toMatch(/: is a directory, not a regular file; give the path of a YAML or JSON file$/);
      expect(sourceError('./pipe.yml', dir)).toMatch(/: is a named pipe, not a regular file; give the path of a YAML or JSON file$/);
      expect(sourceError('./socket.yml', dir)).toMatch(/: is a socket, not a regular file; give the path of a YAML or JSON file$/);
    } finally {
      server.close();
    }
  });

  it.skipIf(process.getuid?.() !== 0)('that is a device outside /dev is refused as a device', () => {
    const dir = directory();
    execFileSync('mknod', [join(dir, 'null.yml'), 'c', '1', '3']);
    expect(sourceError('./null.yml', dir)).toMatch(/: is a device, not a regular file; give the path of a YAML or JSON file$/);
  });

  it('that is a system tree itself (/proc) is refused as one', () => {
    const dir = directory();
    write(dir, 'api.yml', openapi());
    const file = write(dir, 'doc.arazzo.yml', arazzo([{ name: 'api', url: './api.yml' }]));
    expect(refusal(() => load(file, { overlay: '/proc' }))).toBe(
      '/proc: is under /proc, which holds devices and kernel files, never a document; save the overlay as a file next to the document',
    );
  });

  it('outside the roots is refused, listing every root', () => {
    const outside = directory();
    write(outside, 'api.yml', openapi());
    const dir = directory();
    const [a, b] = [directory(), directory()];
    expect(sourceError(join(outside, 'api.yml'), dir, { allowRoots: [a, b] })).toContain(`is outside the directories the compiler may read: ${dir}, ${a}, ${b}. Move the file`);
  });

  it('that nests more than 200 levels is refused before anything walks it', () => {
    const dir = directory();
    const deep = `${'['.repeat(201)}${']'.repeat(201)}`;
    write(dir, 'api.yml', deep);
    expect(sourceError('./api.yml', dir)).toMatch(/"\.\/api\.yml" \(.*\) nests objects and arrays more than 200 levels deep; flatten it$/);
  });

  it('that is not YAML is refused with the line, column and kind of error, never the text', () => {
    const dir = directory();
    write(dir, 'api.yml', 'openapi: 3.0.3\ninfo: |x sk-live-SENTINEL-0123456789\n  text\n');
    const message = sourceError('./api.yml', dir);
    expect(message).toMatch(/"\.\/api\.yml" \(.*\) is not valid YAML or JSON \(line 2, column 8: Block scalar header includes extra characters \[UNEXPECTED_TOKEN\]\); fix it there$/);
    expect(message).not.toContain('SENTINEL');
  });

  it('whose YAML nests too deeply for the parser is refused as such', () => {
    const dir = directory();
    write(dir, 'api.yml', '['.repeat(10_000));
    expect(sourceError('./api.yml', dir)).toMatch(/ is not valid YAML or JSON \(line 1, column \d+: nested too deeply to parse\); fix it there$/);
  });

  it('whose YAML fails in another way is refused naming only the kind of error', () => {
    const dir = directory();
    write(dir, 'api.yml', 'openapi: *sk-live-SENTINEL\n');
    expect(sourceError('./api.yml', dir)).toMatch(/ is not valid YAML or JSON \(ReferenceError while parsing\); fix it there$/);
  });
});

const REMOTE = 'https://x.test/pets.yml';

/** A fetch that answers from `answers` (by URL; 404 otherwise) and records what it was asked. */
function fakeFetch(answers: Record<string, () => Response> = {}) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, ...(init ? { init } : {}) });
    const answer = answers[url];
    return answer ? answer() : new Response('missing', { status: 404 });
  }) as typeof fetch;
  return { fetchFn, calls };
}
const serving = (url: string, body: string | Uint8Array<ArrayBuffer> = stringify(openapi()), headers: Record<string, string> = {}) =>
  fakeFetch({ [url]: () => new Response(body, { headers }) });

/** A document in a fresh directory whose sources are `sources` (as written), with a local api.yml beside it. */
function documentNaming(sources: unknown[], extra: Json = {}): string {
  const dir = directory();
  write(dir, 'api.yml', openapi());
  return write(dir, 'doc.arazzo.yml', { ...arazzo(sources as Json[]), ...extra });
}
const pinRefusal = async (file: string, fetchFn: typeof fetch): Promise<string> => {
  const error: unknown = await pinSources(file, fetchFn).then(() => undefined, (thrown: unknown) => thrown);
  if (error instanceof ArazzoDocumentError) return error.message;
  throw new Error(`expected an ArazzoDocumentError, got ${String(error)}`);
};

describe('pinning remote source descriptions', () => {
  it('fetches each https source once, following redirects under a deadline, and synth then reads the pinned copy', async () => {
    const file = documentNaming([{ name: 'local', url: './api.yml' }, { name: 'pets', url: REMOTE }]);
    const body = stringify(openapi());
    const { fetchFn, calls } = serving(REMOTE, body);
    const pinned = await pinSources(file, fetchFn);
    expect(calls.map((call) => call.url)).toEqual([REMOTE]);
    expect(calls[0]!.init).toMatchObject({ redirect: 'follow', signal: expect.any(AbortSignal) });
    expect(calls[0]!.init!.signal!.aborted).toBe(false);
    expect(pinned).toEqual([{ name: 'pets', url: REMOTE, file: 'pinned-sources/pets.yml', sha256: sha256(body), fetchedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
    expect(readFileSync(join(file, '../pinned-sources/pets.yml'), 'utf8')).toBe(body);
    expect(JSON.parse(readFileSync(lockFileOf(file), 'utf8'))).toEqual({ sources: { pets: { url: REMOTE, file: 'pinned-sources/pets.yml', sha256: sha256(body), fetchedAt: pinned[0]!.fetchedAt } } });
    expect(load(file).sources.pets).toMatchObject({ type: 'openapi', url: join(file, '../pinned-sources/pets.yml'), operations: [expect.objectContaining({ operationId: 'listPets' })] });
  });

  it('saves a copy under the extension of its URL when that is .json, .yaml or .yml, else as .yaml', async () => {
    const urls = { a: 'https://specs.example.test/a.JSON', b: 'https://specs.example.test/b.yaml', c: 'https://specs.example.test/c.yml', d: 'https://specs.example.test/d' };
    const file = documentNaming(Object.entries(urls).map(([name, url]) => ({ name, url })));
    const { fetchFn } = fakeFetch(Object.fromEntries(Object.values(urls).map((url) => [url, () => new Response('{}')])));
    expect((await pinSources(file, fetchFn)).map((pinned) => pinned.file)).toEqual(['pinned-sources/a.json', 'pinned-sources/b.yaml', 'pinned-sources/c.yml', 'pinned-sources/d.yaml']);
  });

  it('again keeps the other sources the lock file records, and replaces a lock file that is not one', async () => {
    const file = documentNaming([{ name: 'pets', url: REMOTE }]);
    const other = { url: 'https://specs.example.test/other.yml', file: 'pinned-sources/other.yml', sha256: 'ab'.repeat(32), fetchedAt: '2026-01-01T00:00:00.000Z' };
    writeFileSync(lockFileOf(file), JSON.stringify({ sources: { other } }));
    await pinSources(file, serving(REMOTE).fetchFn);
    await pinSources(file, serving(REMOTE).fetchFn);
    expect(Object.keys(JSON.parse(readFileSync(lockFileOf(file), 'utf8')).sources)).toEqual(['other', 'pets']);
    for (const broken of ['{"sources": "other"}', '{"sources": null}', 'null', 'not json']) {
      writeFileSync(lockFileOf(file), broken);
      await pinSources(file, serving(REMOTE).fetchFn);
      expect(Object.keys(JSON.parse(readFileSync(lockFileOf(file), 'utf8')).sources)).toEqual(['pets']);
    }
  });

  it('writes nothing when the document has no remote source', async () => {
    const file = documentNaming([{ name: 'local', url: './api.yml' }]);
    const { fetchFn, calls } = fakeFetch();
    expect(await pinSources(file, fetchFn)).toEqual([]);
    expect(calls).toEqual([]);
    expect(existsSync(lockFileOf(file))).toBe(false);
    expect(existsSync(join(file, '../pinned-sources'))).toBe(false);
    expect(await pinSources(write(directory(), 'empty.arazzo.yml', ''), fetchFn)).toEqual([]);
    expect(await pinSources(write(directory(), 'none.arazzo.yml', { arazzo: '1.0.1' }), fetchFn)).toEqual([]);
  });

  it('resolves relative URLs against $self, skipping entries without a string name and url', async () => {
    const file = documentNaming([null, 'pets', { name: 'noUrl' }, { name: 5, url: 'five.yml' }, { name: 'pets', url: 'pets.yml' }], {
      arazzo: '1.1.0',
      $self: 'https://x.test/doc.arazzo.yml',
    });
    const { fetchFn, calls } = serving(REMOTE);
    expect((await pinSources(file, fetchFn)).map((pinned) => pinned.name)).toEqual(['pets']);
    expect(calls.map((call) => call.url)).toEqual([REMOTE]);
  });

  it('resolves against the document itself when $self is not a URL (loading then refuses the $self)', async () => {
    const file = documentNaming([{ name: 'local', url: './api.yml' }], { arazzo: '1.1.0', $self: 'http://[bad' });
    expect(await pinSources(file, fakeFetch().fetchFn)).toEqual([]);
  });

  it('refuses a url that is not a URL, naming its field', async () => {
    const file = documentNaming([{ name: 'local', url: './api.yml' }, { name: 'pets', url: 'http://[bad' }]);
    expect(await pinRefusal(file, fakeFetch().fetchFn)).toBe(`${file} › sourceDescriptions[1] › url: "http://[bad" is not a URL or relative path`);
  });

  it('fetches only https, and plain http only from a loopback address', async () => {
    const refused = async (url: string) => pinRefusal(documentNaming([{ name: 'pets', url }]), fakeFetch().fetchFn);
    expect(await refused('http://specs.example.test/pets.yml')).toMatch(/› url: http:\/\/specs\.example\.test\/pets\.yml is not an https:\/\/ URL; only https sources are pinned \(plain http only from a loopback address\)$/);
    expect(await refused('ftp://127.0.0.1/pets.yml')).toMatch(/› url: ftp:\/\/127\.0\.0\.1\/pets\.yml is not an https:\/\/ URL/);
    const loopback = 'http://127.0.0.1:8080/pets.yml';
    expect(await pinSources(documentNaming([{ name: 'pets', url: loopback }]), serving(loopback).fetchFn)).toHaveLength(1);
  });

  it('refuses a fetch that fails, naming the URL and the cause', async () => {
    const failing = (async () => {
      throw new Error('connection refused');
    }) as typeof fetch;
    expect(await pinRefusal(documentNaming([{ name: 'pets', url: REMOTE }]), failing)).toMatch(
      new RegExp(`› url: cannot fetch ${escape(REMOTE)} \\(connection refused\\); check the URL and the network$`),
    );
  });

  it('refuses an answer over the size limit, by its declared length or by what arrives', async () => {
    const file = documentNaming([{ name: 'pets', url: REMOTE }]);
    const declared = (length: number) => serving(REMOTE, '{}', { 'content-length': String(length) }).fetchFn;
    expect(await pinRefusal(file, declared(MAX_DOCUMENT_BYTES + 1))).toMatch(
      new RegExp(`› url: ${escape(REMOTE)} is ${MAX_DOCUMENT_BYTES + 1} bytes, more than the ${MAX_DOCUMENT_BYTES} a description may have$`),
    );
    expect(await pinSources(file, declared(MAX_DOCUMENT_BYTES))).toHaveLength(1);
    const big = new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(0x20);
    expect(await pinRefusal(file, serving(REMOTE, big).fetchFn)).toMatch(
      new RegExp(`› url: ${escape(REMOTE)} is ${MAX_DOCUMENT_BYTES + 1} bytes, more than the ${MAX_DOCUMENT_BYTES} a description may have$`),
    );
    expect(await pinSources(file, serving(REMOTE, big.subarray(1)).fetchFn)).toHaveLength(1);
  });

  it('refuses an answer that is not YAML or JSON', async () => {
    expect(await pinRefusal(documentNaming([{ name: 'pets', url: REMOTE }]), serving(REMOTE, 'a: [1, 2').fetchFn)).toMatch(
      new RegExp(`› url: ${escape(REMOTE)} answered something that is not YAML or JSON; check the URL points at the description itself$`),
    );
  });

  it('prints no parser warnings for what it fetches', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await pinSources(documentNaming([{ name: 'pets', url: REMOTE }]), serving(REMOTE, 'openapi: !custom 3.0.3\n').fetchFn);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });
});

describe('a remote source description at synth', () => {
  const pinnedDocument = async () => {
    const file = documentNaming([{ name: 'pets', url: REMOTE }]);
    await pinSources(file, serving(REMOTE).fetchFn);
    return file;
  };
  const FIX = (file: string) => `Fetch it once into a pinned copy with: npm run compile -- --pin-sources ${relative(process.cwd(), file)}`;
  const notPinned = (file: string, why: string) =>
    `${file} › sourceDescriptions[0] › url: ${REMOTE} is a remote source description and synth never reads the network; ${why}.\n${FIX(file)}`;

  it('without a lock file is refused, saying the command that pins it', () => {
    const file = documentNaming([{ name: 'pets', url: REMOTE }]);
    expect(refusal(() => load(file))).toBe(notPinned(file, 'doc.arazzo.yml.sources.lock.json does not exist'));
  });

  it('whose lock file is not a file is refused by the gate, not as missing', () => {
    const file = documentNaming([{ name: 'pets', url: REMOTE }]);
    mkdirSync(lockFileOf(file));
    expect(refusal(() => load(file))).toMatch(/sources\.lock\.json: is a directory, not a regular file; give the path of a YAML or JSON file$/);
  });

  it('whose lock file is not JSON, has no entry for it, or pinned another URL is refused, saying which', async () => {
    const file = await pinnedDocument();
    const lock = readFileSync(lockFileOf(file), 'utf8');
    writeFileSync(lockFileOf(file), 'pets: {');
    expect(refusal(() => load(file))).toBe(notPinned(file, 'doc.arazzo.yml.sources.lock.json is not JSON'));
    writeFileSync(lockFileOf(file), '{}');
    expect(refusal(() => load(file))).toBe(notPinned(file, 'doc.arazzo.yml.sources.lock.json has no copy of source description "pets"'));
    writeFileSync(lockFileOf(file), lock.replace(REMOTE, 'https://x.test/v0.yml'));
    expect(refusal(() => load(file))).toBe(notPinned(file, 'the pinned copy of "pets" was fetched from another URL, https://x.test/v0.yml'));
  });

  it('whose pinned copy is gone is refused, naming the copy', async () => {
    const file = await pinnedDocument();
    rmSync(join(file, '../pinned-sources/pets.yml'));
    expect(refusal(() => load(file))).toBe(
      `${file} › sourceDescriptions[0] › url: "pinned-sources/pets.yml" (${join(file, '../pinned-sources/pets.yml')}): cannot read the pinned copy of source description "pets" (no such file); check the path`,
    );
  });

  it('whose pinned copy changed is refused, giving both digests abbreviated and the command that re-pins it', async () => {
    const file = await pinnedDocument();
    const copy = join(file, '../pinned-sources/pets.yml');
    const pinnedDigest = sha256(readFileSync(copy, 'utf8'));
    writeFileSync(copy, `${readFileSync(copy, 'utf8')}# edited\n`);
    const digest = sha256(readFileSync(copy, 'utf8'));
    expect(refusal(() => load(file))).toBe(
      `${file} › sourceDescriptions[0] › url: the pinned copy pinned-sources/pets.yml of ${REMOTE} changed since it was pinned ` +
        `(SHA-256 ${digest.slice(0, 12)}…, doc.arazzo.yml.sources.lock.json records ${pinnedDigest.slice(0, 12)}…).\n` +
        `Re-pin it on purpose with: npm run compile -- --pin-sources ${relative(process.cwd(), file)}`,
    );
  });
});
