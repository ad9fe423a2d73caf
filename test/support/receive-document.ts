/**
 * The order-confirmation document of test/fixtures/receive (an orders API, its order-event webhook described in
 * AsyncAPI, and a workflow whose step awaitConfirmation receives one event) with an edit to each file, saved in
 * a scratch directory that lives only while the caller uses it. Built inside a test (mutation testing credits
 * no code run in beforeAll or a describe body), in milliseconds.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ArazzoDocumentError, loadArazzo, validateForCompilation } from '../../lib/arazzo/load.ts';
import { projectRoot } from './compile-fixture.ts';
import type { EditableDocument } from './document-variant.ts';

const fixtures = path.join(projectRoot, 'test/fixtures/receive');

/** Step awaitConfirmation (the receive step) of an editable order-confirmation document. */
export const receiveStepOf = (document: EditableDocument): EditableDocument => document.workflows[0].steps[1];

/** Calls `use` with the path of the edited document, next to its edited AsyncAPI description and the OpenAPI one. */
export function withReceiveDocument<T>(
  edit: (document: EditableDocument) => void,
  editAsyncApi: (description: EditableDocument) => void,
  use: (file: string) => T,
): T {
  const scratch = mkdtempSync(path.join(tmpdir(), 'receive-document-'));
  try {
    copyFileSync(path.join(fixtures, 'orders.openapi.yml'), path.join(scratch, 'orders.openapi.yml'));
    const description = parse(readFileSync(path.join(fixtures, 'order-events.asyncapi.yml'), 'utf8')) as EditableDocument;
    editAsyncApi(description);
    writeFileSync(path.join(scratch, 'order-events.asyncapi.yml'), stringify(description));
    const document = parse(readFileSync(path.join(fixtures, 'order-confirmation.arazzo.yml'), 'utf8')) as EditableDocument;
    edit(document);
    const file = path.join(scratch, 'order-confirmation.arazzo.yml');
    writeFileSync(file, stringify(document, { aliasDuplicateObjects: false }));
    return use(file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What the compiler refuses in the edited document, each problem without the path up to its workflow. */
export function receiveDocumentProblems(edit: (document: EditableDocument) => void, editAsyncApi: (description: EditableDocument) => void = () => undefined): string[] {
  return withReceiveDocument(edit, editAsyncApi, (file) => {
    try {
      validateForCompilation(loadArazzo(file));
      return [];
    } catch (error) {
      if (!(error instanceof ArazzoDocumentError)) throw error;
      return error.problems.map((problem) => problem.replace(`${file} › workflows[confirmOrder] › `, ''));
    }
  });
}
