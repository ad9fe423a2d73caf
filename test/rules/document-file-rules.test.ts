/**
 * The document file gate between its checks and its read: a file that passed the checks but cannot be opened, is
 * swapped for another, or grows past the size limit before it is read is refused with the reason. The race is
 * staged at the moment the gate opens the file, through Node's own fs module (`syncBuiltinESMExports` carries the
 * stand-in to every `import { openSync } from 'node:fs'`), and undone before the test ends.
 */
import fs, { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES, readDocumentFile } from '../../lib/arazzo/document-file.ts';
import { documentError } from '../support/document-variant.ts';

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'document-file-rules-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Reads `file` through the gate, with `race` run just before the gate opens it. */
function readWhileOpening(file: string, race: () => void): unknown {
  const nodeFs = fs as unknown as { openSync: typeof fs.openSync };
  const openSync = nodeFs.openSync;
  nodeFs.openSync = (path, flags, mode) => {
    if (path === file) race();
    return openSync(path, flags, mode);
  };
  syncBuiltinESMExports();
  try {
    return readDocumentFile(file, { what: 'overlay' });
  } finally {
    nodeFs.openSync = openSync;
    syncBuiltinESMExports();
  }
}

describe('a document file', () => {
  it('that passed the checks but cannot be opened is refused with the reason and the fix', () => {
    const file = join(scratch, 'locked.yml');
    writeFileSync(file, 'a: 1\n');
    const denied = () => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
    };
    expect(documentError(() => readWhileOpening(file, denied)).message).toBe(`${file}: cannot read the overlay (EACCES); check its permissions`);
  });

  it('swapped for another file between the checks and the read is refused', () => {
    const file = join(scratch, 'swapped.yml');
    const other = join(scratch, 'other.yml');
    writeFileSync(file, 'a: 1\n');
    writeFileSync(other, 'b: 2\n');
    expect(documentError(() => readWhileOpening(file, () => fs.renameSync(other, file))).message).toBe(
      `${file}: changed while it was being read; try again`,
    );
  });

  it('of exactly the size limit is read, and refused when it grows past it while it is read', () => {
    const file = join(scratch, 'growing.yml');
    writeFileSync(file, Buffer.alloc(MAX_DOCUMENT_BYTES, 0x20).fill('a: 1\n', 0, 5));
    expect(readWhileOpening(file, () => undefined)).toEqual({ a: 1 });
    expect(documentError(() => readWhileOpening(file, () => fs.appendFileSync(file, 'x'))).message).toBe(
      `${file}: grew past ${MAX_DOCUMENT_BYTES} bytes while it was being read`,
    );
  });
});
