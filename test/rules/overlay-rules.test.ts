/**
 * The rules of an overlay file (what loadOverlay refuses, and where it says so) and of applying one (applyOverlay's
 * messages and what `remove` takes out). Each test builds its overlay inside the `it`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { applyOverlay, loadOverlay, type OverlayDocument } from '../../lib/arazzo/overlay.ts';
import { documentError } from '../support/document-variant.ts';

const scratch = mkdtempSync(join(tmpdir(), 'overlay-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let written = 0;
function write(content: unknown): string {
  const file = join(scratch, `overlay-${(written += 1)}.yml`);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

const HEAD = { overlay: '1.0.0', info: { title: 't', version: '1' } };
const overlay = (actions: unknown[], extra: Record<string, unknown> = {}): OverlayDocument => ({ ...HEAD, ...extra, actions }) as OverlayDocument;

const thrown = documentError;

describe('an overlay file', () => {
  it('that is not an object is refused as a whole, saying what an overlay holds', () => {
    const file = write('- target: $.info\n- update: {}\n');
    const error = thrown(() => loadOverlay(file));
    expect(error.location).toBe(file);
    expect(error.message).toBe(`${file}: an overlay must be a YAML/JSON object with overlay, info and actions`);
  });

  it('may name the document it extends only with a string', () => {
    const file = write(overlay([{ target: '$.info', update: {} }], { extends: 3 }));
    expect(thrown(() => loadOverlay(file)).message).toBe(
      `${file} › extends: must be a URI reference (string) to the document the overlay applies to`,
    );
    expect(loadOverlay(write(overlay([{ target: '$.info', update: {} }], { extends: './a.arazzo.yml' }))).extends).toBe('./a.arazzo.yml');
  });

  it('must list at least one action', () => {
    for (const actions of [[], undefined, { target: '$.info', update: {} }]) {
      const file = write({ ...HEAD, actions });
      expect(thrown(() => loadOverlay(file)).message).toBe(`${file} › actions: must be a non-empty list of actions`);
    }
  });

  it('refuses an action that is not an object, by its index', () => {
    const file = write(overlay([{ target: '$.info', update: {} }, 'remove $.info']));
    expect(thrown(() => loadOverlay(file)).message).toBe(`${file} › actions[1]: must be an object with target and update or remove`);
  });

  it('lets an action carry x- extension fields', () => {
    const file = write(overlay([{ target: '$.info', update: { title: 'U' }, 'x-reason': 'the title changed' }]));
    expect(loadOverlay(file).actions[0]).toMatchObject({ target: '$.info', 'x-reason': 'the title changed' });
    const misspelt = write(overlay([{ target: '$.info', update: {}, 'reason-x-': 'no' }]));
    expect(thrown(() => loadOverlay(misspelt)).message).toMatch(/actions\[0\] › reason-x-: is not an Overlay 1\.0 action field/);
  });

  it('needs a non-empty target in every action', () => {
    for (const target of [undefined, '', 7]) {
      const file = write(overlay([{ target, update: {} }]));
      expect(thrown(() => loadOverlay(file)).message).toBe(`${file} › actions[0] › target: is required: an RFC 9535 JSONPath query such as $.info`);
    }
  });
});

describe('applying an overlay', () => {
  const document = (): Record<string, unknown> => ({ info: { title: 'T', license: null, tags: ['a'] } });

  it('names an overlay that has neither a file nor a name "overlay" in its errors', () => {
    const error = thrown(() => applyOverlay(document(), overlay([{ target: '$.nothing', update: {} }])));
    expect(error.location).toBe('overlay › actions[0] › target');
    const named = thrown(() => applyOverlay(document(), { ...overlay([{ target: '$.nothing', update: {} }]), file: 'o.yml' }));
    expect(named.location).toBe('o.yml › actions[0] › target');
  });

  it('refuses a target that is not JSONPath even when the overlay was never checked', () => {
    const error = thrown(() => applyOverlay(document(), overlay([{ target: '$[', update: {} }]), 'o.yml'));
    expect(error.location).toBe('o.yml › actions[0] › target');
    expect(error.message).toMatch(/^o\.yml › actions\[0\] › target: is not an RFC 9535 JSONPath query: unclosed bracketed selection/);
  });

  it('refuses a target that selects null, calling it null', () => {
    const error = thrown(() => applyOverlay(document(), overlay([{ target: '$.info.license', update: { name: 'MIT' } }]), 'o.yml'));
    expect(error.message).toBe(
      "o.yml › actions[0] › target: $.info.license selects $.info.license, which is null; target the object that contains it and update that property",
    );
  });

  it('names both types when an update cannot merge into a property', () => {
    const merge = (update: Record<string, unknown>) => thrown(() => applyOverlay(document(), overlay([{ target: '$.info', update }]), 'o.yml')).message;
    expect(merge({ license: { name: 'MIT' } })).toBe(
      "o.yml › actions[0] › update: cannot merge an object into null at $.info['license']; make the types match or remove the property first",
    );
    expect(merge({ title: { text: 'U' } })).toMatch(/cannot merge an object into a string at \$\.info\['title'\]/);
    expect(merge({ tags: { first: 'a' } })).toMatch(/cannot merge an object into an array at/);
    expect(merge({ tags: 7 })).toMatch(/cannot merge a number into an array at/);
    expect(merge({ tags: null })).toMatch(/cannot merge null into an array at/);
  });

  it('cannot remove the whole document', () => {
    expect(thrown(() => applyOverlay(document(), overlay([{ target: '$', remove: true }]), 'o.yml')).message).toBe(
      'o.yml › actions[0] › target: cannot remove the whole document ($)',
    );
  });
});

describe('remove: true', () => {
  const list = () => ({ items: [{ n: 'a' }, { n: 'b' }, { n: 'c' }] });
  const remove = (document: unknown, target: string) => applyOverlay(document, overlay([{ target, remove: true }]));

  it('removes a node that the target selects twice only once', () => {
    expect(remove(list(), '$.items[0,0]')).toEqual({ items: [{ n: 'b' }, { n: 'c' }] });
    expect(remove(list(), '$.items[0,-3]')).toEqual({ items: [{ n: 'b' }, { n: 'c' }] });
    expect(remove(list(), "$['items','items'][1]")).toEqual({ items: [{ n: 'a' }, { n: 'c' }] });
  });

  it('removes every selected entry of an array, whatever order the target lists them in', () => {
    expect(remove(list(), '$.items[0,2]')).toEqual({ items: [{ n: 'b' }] });
    expect(remove(list(), '$.items[2,0]')).toEqual({ items: [{ n: 'b' }] });
    expect(remove({ a: [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }], b: { x: { n: 'x' } } }, "$['a','b'][?@.n != 1 && @.n != 2]")).toEqual({
      a: [{ n: 1 }, { n: 2 }],
      b: {},
    });
  });

  it('removes a node and a node inside it, and leaves the entries after it alone', () => {
    const document = {
      items: [{ n: 'a' }, { drop: true, children: [{ drop: true }, { n: 'b1' }] }, { children: [{ n: 'c0' }, { n: 'c1' }] }],
    };
    expect(remove(document, '$..[?@.drop]')).toEqual({ items: [{ n: 'a' }, { children: [{ n: 'c0' }, { n: 'c1' }] }] });
  });
});

describe('update', () => {
  it('changes a node that the target selects twice only once', () => {
    const document = { info: { tags: ['a'] }, items: [{ n: 0 }] };
    expect(applyOverlay(document, overlay([{ target: "$['info','info']", update: { tags: ['b'] } }]))).toEqual({ ...document, info: { tags: ['a', 'b'] } });
    expect(applyOverlay(document, overlay([{ target: "$['items','items']", update: { n: 1 } }]))).toEqual({ ...document, items: [{ n: 0 }, { n: 1 }] });
  });
});

describe('YAML aliases', () => {
  it('an update through one place an anchored value is used changes only that place', () => {
    const document = parse('x: &shared {tags: [1]}\ny: *shared\nlist: &entries [{n: 1}]\nagain: *entries\n');
    expect(applyOverlay(document, overlay([{ target: '$.x', update: { tags: [2] } }, { target: '$.list', update: { n: 2 } }]))).toEqual({
      x: { tags: [1, 2] },
      y: { tags: [1] },
      list: [{ n: 1 }, { n: 2 }],
      again: [{ n: 1 }],
    });
    expect(applyOverlay(document, overlay([{ target: "$['x','y']", update: { tags: [2] } }]))).toMatchObject({ x: { tags: [1, 2] }, y: { tags: [1, 2] } });
  });

  it('the places an aliased update value lands in change one at a time', () => {
    const merged = write(`${stringify(HEAD)}actions:\n  - target: $.info\n    update: {inner: {a: &v {n: 1}, b: *v}}\n  - target: $.info.inner.a\n    update: {n: 2}\n`);
    expect(applyOverlay({ info: {} }, loadOverlay(merged))).toEqual({ info: { inner: { a: { n: 2 }, b: { n: 1 } } } });
    const appended = write(`${stringify(HEAD)}actions:\n  - target: $.list\n    update: [&v {n: 1}, *v]\n  - target: $.list[0][0]\n    update: {n: 2}\n`);
    expect(applyOverlay({ list: [] }, loadOverlay(appended))).toEqual({ list: [[{ n: 2 }, { n: 1 }]] });
  });
});
