/**
 * Copies of a fixture document with one edit, saved in a scratch directory next to a copy of its OpenAPI
 * description, so each test attacks the compiler with exactly the document it describes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ArazzoDocumentError } from '../../lib/arazzo/errors.ts';
import { projectRoot } from './compile-fixture.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form document edits in tests
export type EditableDocument = Record<string, any>;

export interface DocumentVariants {
  dir: string;
  /** The order-poll fixture (test/fixtures/arazzo) after `edit`, as a file path. */
  variant(edit: (document: EditableDocument) => void): string;
  /** Any text saved as a document. */
  write(name: string, text: string): string;
  remove(): void;
}

export function documentVariants(prefix: string): DocumentVariants {
  const fixtures = join(projectRoot, 'test/fixtures/arazzo');
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  mkdirSync(join(dir, 'specs'));
  copyFileSync(join(fixtures, 'specs/pets.openapi.yml'), join(dir, 'specs/pets.openapi.yml'));
  const base = readFileSync(join(fixtures, 'order-poll.arazzo.yml'), 'utf8');
  let count = 0;
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  return {
    dir,
    variant(edit) {
      const document = parse(base) as EditableDocument;
      edit(document);
      return write(`variant-${++count}.arazzo.yml`, stringify(document, { aliasDuplicateObjects: false }));
    },
    write,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The ArazzoDocumentError `action` throws (any other outcome fails the test). */
export function documentError(action: () => unknown): ArazzoDocumentError {
  try {
    action();
  } catch (error) {
    if (error instanceof ArazzoDocumentError) return error;
    throw error;
  }
  throw new Error('expected an ArazzoDocumentError');
}
