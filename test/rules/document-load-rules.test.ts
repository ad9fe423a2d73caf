/**
 * What loadArazzo hands the compiler: the overlay it applied, each source description read as the type it
 * declares (or, without one, as what the file says it is), and workflow input schemas with their
 * `#/components/inputs/...` references inlined and nothing else changed. Each test writes its own files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import { documentError } from '../support/document-variant.ts';

const scratch = mkdtempSync(join(tmpdir(), 'document-load-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = Record<string, unknown>;

/** Writes `content` (text, or a value written as YAML) to `name` in `dir`; returns its path. */
function write(dir: string, name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

const OPENAPI = { openapi: '3.0.3', info: { title: 'Pets', version: '1' }, paths: { '/pets': { get: { operationId: 'listPets' } } } };
const ASYNCAPI = { asyncapi: '3.0.0', info: { title: 'Events', version: '1' }, channels: {}, operations: {} };

/** An Arazzo document with these sources and one workflow (with `workflow`'s fields), saved in a fresh directory next to api.yml. */
function documentWith(sources: Json[], workflow: Json = {}, extra: Json = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(scratch, 'd-'));
  write(dir, 'api.yml', OPENAPI);
  const file = write(dir, 'doc.arazzo.yml', {
    arazzo: '1.0.1',
    info: { title: 'Load rules', version: '1.0.0' },
    sourceDescriptions: sources,
    workflows: [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'listPets' }], ...workflow }],
    ...extra,
  });
  return { dir, file };
}

const API = { name: 'api', url: './api.yml' };

describe('a loaded document', () => {
  it('names the overlay the operator applied', () => {
    const { dir, file } = documentWith([API]);
    const overlay = write(dir, 'overlay.yml', { overlay: '1.0.0', info: { title: 'o', version: '1' }, actions: [{ target: '$.info', update: { summary: 'overlaid' } }] });
    const loaded = loadArazzo(file, { overlay });
    expect(loaded.overlay).toBe(overlay);
    expect(loaded.document.info.summary).toBe('overlaid');
  });

  it('takes an overlay whose extends names a remote document: only a local extends is checked against the file', () => {
    const { dir, file } = documentWith([API]);
    const overlay = write(dir, 'overlay.yml', {
      overlay: '1.0.0',
      info: { title: 'o', version: '1' },
      extends: 'https://example.test/arazzo/doc.arazzo.yml',
      actions: [{ target: '$.info', update: { summary: 'overlaid' } }],
    });
    expect(loadArazzo(file, { overlay }).document.info.summary).toBe('overlaid');
  });
});

describe('a source description', () => {
  it('of type asyncapi lists no HTTP operations, only what the AsyncAPI description holds', () => {
    // Arazzo 1.1 names AsyncAPI sources.
    const { dir, file } = documentWith([API, { name: 'events', url: './events.yml', type: 'asyncapi' }], {}, { arazzo: '1.1.0' });
    write(dir, 'events.yml', ASYNCAPI);
    const { events } = loadArazzo(file).sources;
    expect(events.operations).toEqual([]);
    expect(events.asyncapi).toMatchObject({ version: '3.0.0' });
  });

  it('without a type that is an OpenAPI description is read as OpenAPI, with its operations', () => {
    const { file } = documentWith([API]);
    expect(loadArazzo(file).sources.api).toMatchObject({ type: 'openapi', operations: [expect.objectContaining({ operationId: 'listPets' })] });
  });

  it('of type openapi is read as OpenAPI even when the file is an Arazzo or AsyncAPI document, and refused as not OpenAPI 3.x', () => {
    for (const [name, content] of [['child.arazzo.yml', { arazzo: '1.0.1', info: { title: 'c', version: '1' } }], ['events.yml', ASYNCAPI]] as const) {
      const { dir, file } = documentWith([API, { name: 'other', url: `./${name}`, type: 'openapi' }]);
      write(dir, name, content);
      expect(documentError(() => loadArazzo(file)).message).toBe(
        `${join(dir, name)} › openapi: must be an OpenAPI 3.x version (found no version); convert the description to OpenAPI 3.0 or 3.1`,
      );
    }
  });

  it('without a type whose file is not an object (empty, a list) is refused as not an OpenAPI description', () => {
    for (const text of ['', '~\n', '- a\n- b\n']) {
      const { dir, file } = documentWith([{ name: 'api', url: './other.yml' }]);
      write(dir, 'other.yml', text);
      expect(documentError(() => loadArazzo(file)).message).toBe(`${join(dir, 'other.yml')}: is not an OpenAPI description (expected an object)`);
    }
  });
});

describe("a workflow's input schema", () => {
  const ORDER = { type: 'object', properties: { id: { type: 'string' } } };

  it('has a reference into components.inputs inlined inside a list (allOf)', () => {
    const { file } = documentWith([API], { inputs: { allOf: [{ $ref: '#/components/inputs/order' }, { required: ['id'] }] } }, { components: { inputs: { order: ORDER } } });
    expect(loadArazzo(file).document.workflows[0].inputs).toEqual({ allOf: [ORDER, { required: ['id'] }] });
  });

  it('keeps any other $ref as written', () => {
    const inputs = { type: 'object', properties: { when: { $ref: '#/$defs/date' } }, $defs: { date: { type: 'string' } } };
    const { file } = documentWith([API], { inputs }, { components: { inputs: { order: ORDER } } });
    expect(loadArazzo(file).document.workflows[0].inputs).toEqual(inputs);
  });

  it('is not added to a workflow that has none', () => {
    const { file } = documentWith([API]);
    expect(Object.keys(loadArazzo(file).document.workflows[0])).toEqual(['workflowId', 'steps']);
  });
});
