/**
 * Boundary: document → compiler. A document names files (source descriptions); the compiler reads only
 * regular files inside the document's directory tree or an allowed root, never devices, kernel files,
 * pipes or directories, and its messages never repeat what a refused or broken file contains.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { MAX_DOCUMENT_BYTES, readDocumentFile } from '../../lib/arazzo/document-file.ts';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import { projectRoot } from '../support/compile-fixture.ts';
import { documentError } from '../support/document-variant.ts';

const SENTINEL = 'sk-live-SENTINEL-0123456789abcdef';
const fixtures = join(projectRoot, 'test/fixtures/arazzo');
const orderPoll = parse(readFileSync(join(fixtures, 'order-poll.arazzo.yml'), 'utf8')) as { sourceDescriptions: Array<{ url: string }> };
const petsOpenApi = readFileSync(join(fixtures, 'specs/pets.openapi.yml'), 'utf8');

// root/docs/doc.yml is the document; root/outside holds what it must not reach.
const root = mkdtempSync(join(tmpdir(), 'arazzo-source-files-'));
const docs = join(root, 'docs');
const outside = join(root, 'outside');
mkdirSync(docs);
mkdirSync(outside);
writeFileSync(join(docs, 'pets.openapi.yml'), petsOpenApi);
writeFileSync(join(outside, 'pets.openapi.yml'), petsOpenApi);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let documents = 0;
/** The order-poll fixture with its one source description pointing at `url`, saved in root/docs. */
function documentWithSource(url: string): string {
  const document = structuredClone(orderPoll);
  document.sourceDescriptions[0]!.url = url;
  const file = join(docs, `doc-${++documents}.arazzo.yml`);
  writeFileSync(file, stringify(document));
  return file;
}

describe('a source description is read only from inside the allowed tree', () => {
  it('a file next to the document is read', () => {
    const loaded = loadArazzo(documentWithSource('pets.openapi.yml'));
    expect(loaded.sources.petStore?.operations.length).toBeGreaterThan(0);
  });

  it('../ out of the document directory is refused, naming the field, the roots and the fix', () => {
    const file = documentWithSource('../outside/pets.openapi.yml');
    const error = documentError(() => loadArazzo(file));
    expect(error.location).toBe(`${file} › sourceDescriptions[0] › url`);
    expect(error.message).toContain(`is outside the directories the compiler may read: ${docs}`);
    expect(error.message).toContain('--allow-root');
  });

  it('the same file is read once its directory is allowed', () => {
    const file = documentWithSource('../outside/pets.openapi.yml');
    expect(loadArazzo(file, { allowRoots: [outside] }).sources.petStore?.operations.length).toBeGreaterThan(0);
  });

  it('an absolute path or file: URL elsewhere is refused', () => {
    for (const url of [join(outside, 'pets.openapi.yml'), `file://${join(outside, 'pets.openapi.yml')}`, '/etc/passwd']) {
      expect(documentError(() => loadArazzo(documentWithSource(url))).message).toContain('is outside the directories the compiler may read');
    }
  });

  it('a symlink inside the tree that points out of it is refused, saying where it resolves to', () => {
    symlinkSync(join(outside, 'pets.openapi.yml'), join(docs, 'link.openapi.yml'));
    const error = documentError(() => loadArazzo(documentWithSource('link.openapi.yml')));
    expect(error.message).toContain(`(it resolves to ${join(outside, 'pets.openapi.yml')})`);
  });

  it('a symlinked directory inside the tree does not open a way out either', () => {
    symlinkSync(outside, join(docs, 'linked-dir'));
    expect(documentError(() => loadArazzo(documentWithSource('linked-dir/pets.openapi.yml'))).message).toContain('is outside');
  });
});

describe('devices, kernel files and other non-regular files are refused whatever the roots', () => {
  it.each(['/dev/zero', '/dev/urandom', '/dev/stdin', '/proc/self/environ', '/proc/self/cmdline'])('%s', (device) => {
    const file = documentWithSource(device);
    // Even with the whole file system allowed.
    const error = documentError(() => loadArazzo(file, { allowRoots: ['/'] }));
    expect(error.location).toBe(`${file} › sourceDescriptions[0] › url`);
    expect(error.message).toMatch(/is under \/(dev|proc), which holds devices and kernel files, never a document/);
  });

  it('a directory', () => {
    mkdirSync(join(docs, 'a-directory'));
    expect(documentError(() => loadArazzo(documentWithSource('a-directory'))).message).toContain('is a directory, not a regular file');
  });

  it('a named pipe is refused without blocking on it', () => {
    const fifo = join(docs, 'pipe.yml');
    execFileSync('mkfifo', [fifo]);
    expect(documentError(() => loadArazzo(documentWithSource('pipe.yml'))).message).toContain('is a named pipe, not a regular file');
  });

  it('the document and the overlay the operator names get the same rules', () => {
    expect(documentError(() => loadArazzo('/dev/zero')).message).toContain('is under /dev');
    expect(documentError(() => loadArazzo(documentWithSource('pets.openapi.yml'), { overlay: '/proc/self/status' })).message).toContain('is under /proc');
    expect(documentError(() => loadArazzo(docs)).message).toContain('is a directory');
  });

  it(`a file over ${MAX_DOCUMENT_BYTES} bytes is refused before it is read`, () => {
    const huge = join(docs, 'huge.openapi.yml');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, MAX_DOCUMENT_BYTES + 1); // sparse: no disk, but stat says it is that large
    closeSync(fd);
    expect(documentError(() => loadArazzo(documentWithSource('huge.openapi.yml'))).message).toContain(`documents over ${MAX_DOCUMENT_BYTES} bytes are refused`);
  });
});

describe('messages never repeat the content of a file', () => {
  const broken = [
    `openapi: 3.0.3\ninfo: {title: "${SENTINEL}\npaths: {}\n`,
    `openapi: 3.0.3\nkey: ${SENTINEL}\nkey: again\n`,
    `- ${SENTINEL}\nopenapi: 3.0.3\n`,
    `openapi: 3.0.3\nsecret: *${SENTINEL}\n`,
    `{"openapi": "3.0.3", "x": [1,, "${SENTINEL}"]}`,
    `[default]\naws_secret_access_key = ${SENTINEL}\n`,
    `openapi: ${SENTINEL}\npaths: {}\n`,
    `swagger: ${SENTINEL}\n`,
    `${SENTINEL}\n`,
  ];
  it.each(broken.map((text, index) => [index, text]))('broken file %i', (index, text) => {
    const name = `broken-${index}.yml`;
    writeFileSync(join(docs, name), text);
    const error = documentError(() => loadArazzo(documentWithSource(name)));
    expect(error.message).not.toContain(SENTINEL);
    expect(error.message).not.toContain('SENTINEL');
    expect(error.message.length).toBeLessThan(400);
    // The field that named the file, or (for a file that parsed but is no description) the file itself.
    expect(error.location).toMatch(/sourceDescriptions\[0\] › url$|broken-\d+\.yml/);
  });

  it('a syntax error says where it is: line and column', () => {
    writeFileSync(join(docs, 'syntax.yml'), `openapi: 3.0.3\nkey: 1\nkey: ${SENTINEL}\n`);
    expect(documentError(() => loadArazzo(documentWithSource('syntax.yml'))).message).toMatch(/line 3, column 1: Map keys must be unique/);
  });
});

describe('the gate is one function, usable for any file a document names', () => {
  it('readDocumentFile refuses outside its roots and reads inside them', () => {
    const access = { what: 'source description "x"', roots: [docs], field: 'doc.yml › sourceDescriptions[x] › url' };
    expect(() => readDocumentFile(join(outside, 'pets.openapi.yml'), access)).toThrow(/^doc\.yml › sourceDescriptions\[x\] › url: .* is outside/);
    expect(readDocumentFile(join(docs, 'pets.openapi.yml'), access)).toMatchObject({ openapi: expect.any(String) });
  });
});
