/**
 * Remote source descriptions: fetched once, on request, into a pinned copy whose digest is recorded next to
 * the document; synth reads only that copy, offline, and refuses it once it changed. Served from 127.0.0.1.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinSources } from '../lib/arazzo/pin-sources.ts';
import { lockFileOf } from '../lib/arazzo/pinned-sources.ts';
import { MAX_MESSAGE_LINE } from '../lib/arazzo/errors.ts';
import { runCli } from './support/cli.ts';
import { compileFile, projectRoot } from './support/compile-fixture.ts';
import { startTestServer, type TestServer } from './support/http-server.ts';

const openapi = readFileSync(path.join(projectRoot, 'test/fixtures/compose/pets-openapi.yml'), 'utf8');

function documentUsing(url: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'arazzo-pin-'));
  const file = path.join(directory, 'find.arazzo.yml');
  writeFileSync(file, [
    'arazzo: 1.0.1',
    'info: { title: Remote source, version: 1.0.0 }',
    'sourceDescriptions:',
    `  - { name: pets, url: '${url}', type: openapi }`,
    'workflows:',
    '  - workflowId: find',
    '    steps:',
    '      - { stepId: find, operationId: findPets }',
    '',
  ].join('\n'));
  return file;
}

describe('remote source descriptions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((request, response) => {
      if (request.path === '/specs/pets.yml') response.writeHead(200, { 'content-type': 'application/yaml' }).end(openapi);
      else if (request.path === '/pets') response.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":7}]');
      else response.writeHead(404).end();
    });
  });
  afterAll(() => server.close());

  it('are refused at synth until pinned, saying which command fetches them', () => {
    const file = documentUsing(`${server.baseUrl}/specs/pets.yml`);
    expect(() => compileFile(file)).toThrow(/sourceDescriptions\[0\] › url: http:\/\/127\.0\.0\.1:\d+\/specs\/pets\.yml is a remote source description and synth never reads the network; find\.arazzo\.yml\.sources\.lock\.json does not exist\.\nFetch it once into a pinned copy with: npm run compile -- --pin-sources \S*find\.arazzo\.yml$/);
  });

  it('with a long URL, are refused with the URL clipped and the command whole, on a line of its own within the line cap', async () => {
    const long = `${server.baseUrl}/specs/${'v'.repeat(300)}/pets.yml`;
    const file = documentUsing(long);
    const command = `npm run compile -- --pin-sources ${path.relative(process.cwd(), file)}`;
    const refusal = () => {
      try {
        compileFile(file);
      } catch (error) {
        return (error as Error).message.split('\n');
      }
      throw new Error('expected the compiler to refuse the document');
    };
    const [first, second] = refusal();
    expect(first).toContain(`url: ${long.slice(0, 100)}… is a remote source description and synth never reads the network; find.arazzo.yml.sources.lock.json does not exist.`);
    expect(second).toBe(`Fetch it once into a pinned copy with: ${command}`);
    expect(first!.length).toBeLessThanOrEqual(MAX_MESSAGE_LINE);
    writeFileSync(lockFileOf(file), JSON.stringify({ sources: { pets: { url: `${long}?v=2`, file: 'pinned-sources/pets.yml', sha256: '0'.repeat(64) } } }));
    expect(refusal()[0]).toMatch(new RegExp(`; the pinned copy of "pets" was fetched from another URL, ${long.slice(0, 100)}…\\.$`));
  });

  it('compile offline from the pinned copy, whose digest is recorded next to the document', async () => {
    const file = documentUsing(`${server.baseUrl}/specs/pets.yml`);
    const [pinned] = await pinSources(file);
    expect(pinned).toMatchObject({ name: 'pets', file: 'pinned-sources/pets.yml', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const lock = JSON.parse(readFileSync(lockFileOf(file), 'utf8')) as { sources: Record<string, { sha256: string; url: string }> };
    expect(lock.sources.pets).toMatchObject({ url: `${server.baseUrl}/specs/pets.yml`, sha256: pinned!.sha256 });
    const requests = server.received.length;
    const compiled = compileFile(file);
    expect(server.received.length).toBe(requests);
    expect(compiled.plans[0]!.request.url).toBe('https://pets.example.test/v1/pets');
  });

  it('refuse a pinned copy whose bytes no longer match the recorded digest', async () => {
    const file = documentUsing(`${server.baseUrl}/specs/pets.yml`);
    await pinSources(file);
    const copy = path.join(path.dirname(file), 'pinned-sources/pets.yml');
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('/pets:', '/animals:'));
    expect(() => compileFile(file)).toThrow(
      /the pinned copy pinned-sources\/pets\.yml of .* changed since it was pinned \(SHA-256 [0-9a-f]{12}…, find\.arazzo\.yml\.sources\.lock\.json records [0-9a-f]{12}…\)\.\nRe-pin it on purpose with: npm run compile -- --pin-sources \S*find\.arazzo\.yml$/,
    );
  });

  it('fetch only https (plain http only from loopback), and refuse an answer that is not a description', async () => {
    await expect(pinSources(documentUsing('http://pets.example.test/specs/pets.yml'))).rejects.toThrow(/is not an https:\/\/ URL; only https sources are pinned/);
    await expect(pinSources(documentUsing(`${server.baseUrl}/specs/missing.yml`))).rejects.toThrow(/answered HTTP 404/);
  });

  it('npm run compile -- --pin-sources pins, then compiles from the copy', async () => {
    const file = documentUsing(`${server.baseUrl}/specs/pets.yml`);
    const result = await runCli('bin/compile.ts', ['--pin-sources', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/pinned pets: http:\/\/127\.0\.0\.1:\d+\/specs\/pets\.yml → pinned-sources\/pets\.yml \(sha256 [0-9a-f]{64}\)/);
    expect(JSON.parse(result.stdout)).toMatchObject({ StartAt: 'Start' });
  });

  it('npm start --document runs a pinned document against a local server, reading the description from the copy only', async () => {
    const file = documentUsing(`${server.baseUrl}/specs/pets.yml`);
    await pinSources(file);
    const fetched = server.received.filter((r) => r.path === '/specs/pets.yml').length;
    const result = await runCli('local/run.ts', ['--document', file, '--server', `pets=${server.baseUrl}`, '--fast', '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    expect(server.received.filter((r) => r.path === '/pets')).toHaveLength(1);
    expect(server.received.filter((r) => r.path === '/specs/pets.yml')).toHaveLength(fetched);
  });
});
