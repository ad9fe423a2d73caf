/**
 * The document file gate, read through readDocumentFile: where its errors point, how it words a syntax error, the
 * depth limit's boundary, the system trees a symlink cannot reach, roots that do not exist, the file it opened
 * (closed again, and read as it was when opened). Each test writes its own files into a scratch directory.
 */
import fs, { appendFileSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MAX_DOCUMENT_BYTES, readDocumentFile } from '../../lib/arazzo/document-file.ts';
import { documentError } from '../support/document-variant.ts';

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'document-file-read-rules-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh directory for one test's files. */
const directory = (): string => mkdtempSync(join(scratch, 'd-'));

/** Writes `text` to `name` in a fresh directory; returns its path. */
function fileWith(text: string, name = 'file.yml'): string {
  const file = join(directory(), name);
  writeFileSync(file, text);
  return file;
}

const FIELD = 'doc.arazzo.yml › sourceDescriptions[0] › url';
const source = (roots?: string[]) => ({ what: 'source description "api"', field: FIELD, ...(roots ? { roots } : {}) });

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The paths the process has open right now. */
const openPaths = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(join('/proc/self/fd', fd))];
    } catch {
      return []; // closed while listed (the listing's own descriptor)
    }
  });

describe('a document file that does not parse or nests too deeply', () => {
  it('is refused at the field that named it, naming the file as written there', () => {
    const file = fileWith('a: 1\nb: 2\na: 3\n');
    const error = documentError(() => readDocumentFile(file, { ...source(), reference: './file.yml' }));
    expect(error.location).toBe(FIELD);
    expect(error.message).toBe(`${FIELD}: "./file.yml" (${file}) is not valid YAML or JSON (line 3, column 1: Map keys must be unique [DUPLICATE_KEY]); fix it there`);
  });

  it('that the operator named is refused at its own path, with the line, column and kind of error only', () => {
    const file = fileWith('a: 1\nb: 2\na: 3\n');
    const error = documentError(() => readDocumentFile(file, { what: 'overlay' }));
    expect(error.location).toBe(file);
    expect(error.message).toBe(`${file}: is not valid YAML or JSON (line 3, column 1: Map keys must be unique [DUPLICATE_KEY]); fix it there`);
    const deep = fileWith(`${'['.repeat(201)}${']'.repeat(201)}`);
    expect(documentError(() => readDocumentFile(deep, { what: 'overlay' })).location).toBe(deep);
    expect(documentError(() => readDocumentFile(deep, source())).location).toBe(FIELD);
  });

  it('is read when it nests exactly 200 levels, and refused at 201', () => {
    expect(readDocumentFile(fileWith(`${'['.repeat(200)}${']'.repeat(200)}`), { what: 'overlay' })).toBeInstanceOf(Array);
    const deeper = fileWith(`${'['.repeat(201)}${']'.repeat(201)}`);
    expect(documentError(() => readDocumentFile(deeper, { what: 'overlay' })).message).toBe(
      `${deeper}: nests objects and arrays more than 200 levels deep; flatten it`,
    );
  });
});

describe('reading a document file', () => {
  it('prints no parser warnings, which would quote the document', () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(readDocumentFile(fileWith('openapi: !custom 3.0.3\n'), { what: 'overlay' })).toEqual({ openapi: '3.0.3' });
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  it('closes the file it opened', () => {
    const file = fileWith('a: 1\n');
    expect(readDocumentFile(file, { what: 'overlay' })).toEqual({ a: 1 });
    expect(openPaths()).not.toContain(file);
  });
});

describe('the file a path resolves to', () => {
  it('is refused when it is under /proc or /dev, even through a symlink and with every directory allowed', () => {
    const dir = directory();
    symlinkSync('/proc/self/status', join(dir, 'status.yml'));
    symlinkSync('/dev/null', join(dir, 'null.yml'));
    expect(documentError(() => readDocumentFile(join(dir, 'status.yml'), source(['/']))).message).toMatch(
      /: is under \/proc, which holds devices and kernel files, never a document; save the source description "api" as a file next to the document$/,
    );
    expect(documentError(() => readDocumentFile(join(dir, 'null.yml'), source(['/']))).message).toMatch(/: is under \/dev, which holds devices/);
  });

  it('/ is a directory, not a system tree', () => {
    expect(documentError(() => readDocumentFile('/', { what: 'overlay' })).message).toBe('/: is a directory, not a regular file; give the path of a YAML or JSON file');
  });

  it('is outside an allowed root that does not exist, and the refusal lists that root with the others', () => {
    const missing = join(scratch, 'no-such-directory');
    const allowed = directory();
    const file = fileWith('a: 1\n');
    const refusal = `${FIELD}: ${file}: is outside the directories the compiler may read: ${missing}, ${allowed}. Move the file next to the document, or allow`;
    expect(documentError(() => readDocumentFile(file, source([missing, allowed]))).message).toMatch(new RegExp(`^${escape(refusal)}`));
  });
});

describe('a document file that grows after the gate opened it', () => {
  /** Reads `file` through the gate, running `grow` right after the gate has checked what it opened. */
  function readGrowing(file: string, grow: () => void): unknown {
    const nodeFs = fs as unknown as { fstatSync: typeof fs.fstatSync };
    const fstatSync = nodeFs.fstatSync;
    nodeFs.fstatSync = ((fd: number, options?: fs.StatSyncOptions) => {
      const stats = fstatSync(fd, options);
      nodeFs.fstatSync = fstatSync;
      grow();
      return stats;
    }) as typeof fs.fstatSync;
    syncBuiltinESMExports();
    try {
      return readDocumentFile(file, { what: 'overlay' });
    } finally {
      nodeFs.fstatSync = fstatSync;
      syncBuiltinESMExports();
    }
  }

  it('is refused as changed, not read as a different document', () => {
    // Read as it stood plus one byte, "n: 1" would become "n: 10".
    const file = fileWith('n: 1');
    expect(documentError(() => readGrowing(file, () => appendFileSync(file, '0'))).message).toBe(`${file}: changed while it was being read; try again`);
  });

  it('is read no further than one byte past its size when opened, however much it grows', () => {
    const file = fileWith('n: 1');
    // Past the size limit, and sparse: nothing is written, and only a read of it would take time.
    expect(documentError(() => readGrowing(file, () => truncateSync(file, MAX_DOCUMENT_BYTES + 1))).message).toBe(`${file}: changed while it was being read; try again`);
  });
});
