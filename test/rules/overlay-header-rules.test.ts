/**
 * Rules of an overlay's header (its Overlay version and info, as loadOverlay checks them) and of how an update's
 * values merge (applyOverlay): what replaces what, and where a conflict is reported. Each test writes its overlay
 * inside the `it`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applyOverlay, loadOverlay, type OverlayDocument } from '../../lib/arazzo/overlay.ts';
import { documentError } from '../support/document-variant.ts';

const scratch = mkdtempSync(join(tmpdir(), 'overlay-header-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let written = 0;
/** An overlay file with this header and one action that sets the info title. */
function overlayFile(header: Record<string, unknown>): string {
  const file = join(scratch, `overlay-${(written += 1)}.yml`);
  writeFileSync(file, stringify({ ...header, actions: [{ target: '$.info', update: { title: 'T' } }] }));
  return file;
}
const INFO = { title: 'Retitle', version: '1' };

describe('an overlay names its Overlay version', () => {
  it('1.0.x, any patch number, is accepted', () => {
    for (const overlay of ['1.0.0', '1.0.12']) expect(loadOverlay(overlayFile({ overlay, info: INFO })).overlay).toBe(overlay);
  });

  it('any other version, text around one, or a value that is not a string is refused, naming the field and the form', () => {
    for (const overlay of ['1.1.0', 'v1.0.0', '1.0.0-beta', '1.0', ['1.0.0'], 1, undefined]) {
      const file = overlayFile({ overlay, info: INFO });
      const error = documentError(() => loadOverlay(file));
      expect(error.message, JSON.stringify(overlay)).toBe(
        `${file} › overlay: must be an Overlay 1.0.x version such as "1.0.0", not ${JSON.stringify(overlay)}`,
      );
    }
  });
});

describe('an overlay has info', () => {
  it('an object with a string title and version; anything else is refused, naming info and what it must hold', () => {
    for (const info of [undefined, 'Retitle', { version: '1' }, { title: 'Retitle' }, { title: 1, version: '1' }]) {
      const file = overlayFile({ overlay: '1.0.0', info });
      const error = documentError(() => loadOverlay(file));
      expect(error.message, JSON.stringify(info)).toBe(`${file} › info: must be an object with string title and version`);
    }
  });
});

describe('an update merges value by value', () => {
  const overlay = (update: unknown): OverlayDocument => ({ overlay: '1.0.0', info: INFO, actions: [{ target: '$.info', update }] });

  it('a value replaces null, and null replaces a value: both are primitives', () => {
    expect(applyOverlay({ info: { license: null } }, overlay({ license: 'MIT' }))).toEqual({ info: { license: 'MIT' } });
    expect(applyOverlay({ info: { title: 'T' } }, overlay({ title: null }))).toEqual({ info: { title: null } });
  });

  it('a conflict deep inside an object is reported at its full path', () => {
    const document = { info: { contact: { name: { first: 'Ada' } } } };
    expect(documentError(() => applyOverlay(document, overlay({ contact: { name: 'Ada' } }), 'o.yml')).message).toBe(
      "o.yml › actions[0] › update: cannot merge a string into an object at $.info['contact']['name']; make the types match or remove the property first",
    );
  });

  it('an undefined value (possible only from code) is no JSON value: it is refused, not written over a primitive', () => {
    const document = { info: { title: 'T' } };
    const error = documentError(() => applyOverlay(document, overlay({ title: undefined }), 'o.yml'));
    expect(error.message).toMatch(/^o\.yml › actions\[0\] › update: cannot merge .*undefined into a string at \$\.info\['title'\]/);
  });
});
