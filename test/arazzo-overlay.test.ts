import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { evaluateCriteria } from '../lib/arazzo/criteria.ts';
import { ArazzoDocumentError } from '../lib/arazzo/errors.ts';
import { evaluateExpression } from '../lib/arazzo/expressions.ts';
import { publicInputSchema, validateInputs } from '../lib/arazzo/inputs.ts';
import { findWorkflow, loadArazzo, validateForCompilation } from '../lib/arazzo/load.ts';
import { applyOverlay, loadOverlay, type OverlayDocument } from '../lib/arazzo/overlay.ts';
import type { ArazzoDocument, SuccessAction } from '../lib/arazzo/types.ts';

const repo = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const seedFile = repo('workflows/arazzo/civitai-image-generation-poll-workflow.yml');
const civitaiOverlay = repo('workflows/overlays/civitai-overlay.yml');
const fixtures = repo('test/fixtures/arazzo');

const scratch = mkdtempSync(join(tmpdir(), 'arazzo-overlay-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every leaf (or emptied container) of a JSON value, as pointer → JSON text, to compare documents field by field. */
function leaves(value: unknown, pointer = '', into = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value)) leaves(item, `${pointer}/${key}`, into);
  } else {
    into.set(pointer, JSON.stringify(value));
  }
  return into;
}

function changes(before: unknown, after: unknown): Record<string, string> {
  const a = leaves(before);
  const b = leaves(after);
  const changed: Record<string, string> = {};
  for (const [pointer, text] of b) if (a.get(pointer) !== text) changed[pointer] = text;
  for (const pointer of a.keys()) if (!b.has(pointer)) changed[pointer] = '(removed)';
  return changed;
}

function overlay(actions: OverlayDocument['actions']): OverlayDocument {
  return { overlay: '1.0.0', info: { title: 't', version: '1' }, actions };
}

function thrown(run: () => unknown): ArazzoDocumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof ArazzoDocumentError) return error;
    throw error;
  }
  throw new Error('expected an ArazzoDocumentError');
}

describe('the Civitai overlay on the seed workflow', () => {
  const seed = parse(readFileSync(seedFile, 'utf8')) as ArazzoDocument;
  const corrected = applyOverlay(seed, loadOverlay(civitaiOverlay)) as ArazzoDocument;

  it('changes exactly the fields it describes', () => {
    const w = '/workflows/0';
    expect(changes(seed, corrected)).toEqual({
      [`${w}/steps/1/onSuccess/0/criteria/0/condition`]: JSON.stringify(
        "$.status == 'processing' || $.status == 'preparing' || $.status == 'unassigned' || $.status == 'scheduled'",
      ),
      [`${w}/steps/0/successCriteria/0/condition`]: JSON.stringify('$statusCode == 200 || $statusCode == 202'),
      [`${w}/steps/2/outputs/images`]: JSON.stringify('$response.body#/steps/0/output/images'),
      [`${w}/steps/2/outputs/firstImageUrl`]: JSON.stringify('$response.body#/steps/0/output/images/0/url'),
      [`${w}/outputs/images`]: JSON.stringify('$steps.readOutputs.outputs.images'),
      [`${w}/outputs/firstImageUrl`]: JSON.stringify('$steps.readOutputs.outputs.firstImageUrl'),
      [`${w}/inputs/properties/quantity/minimum`]: '1',
      [`${w}/inputs/properties/quantity/maximum`]: '10',
      [`${w}/inputs/properties/prompt/minLength`]: '1',
      [`${w}/inputs/properties/prompt/maxLength`]: '1500',
    });
  });

  it('gives every action a description', () => {
    for (const action of loadOverlay(civitaiOverlay).actions) expect(action.description?.length).toBeGreaterThan(40);
  });

  it('keeps polling while the job is scheduled', () => {
    const poll = corrected.workflows[0].steps.find((step) => step.stepId === 'pollWorkflow');
    const stillRunning = (poll?.onSuccess ?? []).find((action) => (action as SuccessAction).name === 'stillRunning') as SuccessAction;
    const at = (status: string) => ({ inputs: {}, steps: {}, statusCode: 200, response: { headers: {}, body: { status } } });
    expect(evaluateCriteria(stillRunning.criteria, at('scheduled'))).toBe(true);
    expect(evaluateCriteria(stillRunning.criteria, at('processing'))).toBe(true);
    expect(evaluateCriteria(stillRunning.criteria, at('succeeded'))).toBe(false);
  });

  it('accepts 200 and 202 from the submission', () => {
    const submit = corrected.workflows[0].steps[0];
    const answered = (statusCode: number) => evaluateCriteria(submit.successCriteria, { inputs: {}, steps: {}, statusCode });
    expect([200, 202, 201, 400].map(answered)).toEqual([true, true, false, false]);
  });

  it('reads the image URLs from where a finished workflow carries them (steps[0].output.images)', () => {
    const read = corrected.workflows[0].steps.find((step) => step.stepId === 'readOutputs');
    const body = { status: 'succeeded', steps: [{ $type: 'imageGen', jobs: [{ id: 'j1' }], output: { images: [{ id: 'b1', url: 'https://img.example/1.png' }] } }] };
    const context = { inputs: {}, steps: {}, statusCode: 200, response: { headers: {}, body } };
    const outputs = Object.fromEntries(Object.entries(read?.outputs ?? {}).map(([name, expression]) => [name, evaluateExpression(expression, context)]));
    expect(outputs.firstImageUrl).toBe('https://img.example/1.png');
    expect(outputs.images).toEqual([{ id: 'b1', url: 'https://img.example/1.png' }]);
    expect(outputs.firstBlobUrl).toBeUndefined();
  });

  it('loads through loadArazzo, compiles, and bounds quantity and prompt', () => {
    const loaded = loadArazzo(seedFile, { overlay: civitaiOverlay, allowRoots: [repo('workflows')] });
    validateForCompilation(loaded);
    const schema = publicInputSchema(findWorkflow(loaded).inputs, ['apiKey'], 'seed');
    expect(validateInputs(schema, { engine: 'e', prompt: 'a cat', quantity: 10 })).toEqual([]);
    expect(validateInputs(schema, { engine: 'e', prompt: 'a cat', quantity: 11 })).toEqual(['quantity: must be <= 10']);
    expect(validateInputs(schema, { engine: 'e', prompt: 'a cat', quantity: 0 })).toEqual(['quantity: must be >= 1']);
    expect(validateInputs(schema, { engine: 'e', prompt: 'x'.repeat(1501) })).toEqual([
      'prompt: must NOT have more than 1500 characters',
    ]);
  });

  it('does not change the document it is given', () => {
    expect(changes(parse(readFileSync(seedFile, 'utf8')), seed)).toEqual({});
  });
});

describe('applyOverlay', () => {
  const document = {
    info: { title: 'T', tags: ['a'] },
    items: [
      { id: 'x', n: 1 },
      { id: 'y', n: 2 },
      { id: 'z', n: 3 },
    ],
  };

  it('merges objects recursively: primitives replace, arrays concatenate, new properties are added', () => {
    const result = applyOverlay(document, overlay([{ target: '$.info', update: { title: 'U', tags: ['b'], extra: { on: true } } }]));
    expect(result).toEqual({ ...document, info: { title: 'U', tags: ['a', 'b'], extra: { on: true } } });
  });

  it('appends the update to a targeted array as one entry', () => {
    const result = applyOverlay(document, overlay([{ target: '$.items', update: { id: 'w', n: 4 } }])) as typeof document;
    expect(result.items.map((item) => item.id)).toEqual(['x', 'y', 'z', 'w']);
  });

  it('updates every selected node, and applies actions in order', () => {
    const result = applyOverlay(
      document,
      overlay([
        { target: '$.items[?@.n > 1]', update: { big: true } },
        { target: "$.items[?@.id == 'z']", update: { big: false } },
      ]),
    ) as { items: Array<{ big?: boolean }> };
    expect(result.items.map((item) => item.big)).toEqual([undefined, true, false]);
  });

  it('removes selected array entries and properties', () => {
    const result = applyOverlay(document, overlay([{ target: '$.items[?@.n != 2]', remove: true }])) as typeof document;
    expect(result.items).toEqual([{ id: 'y', n: 2 }]);
    const withoutInfo = applyOverlay(document, overlay([{ target: '$.info', remove: true }]));
    expect(withoutInfo).toEqual({ items: document.items });
  });

  it('fails on a target that selects nothing, naming the action and target', () => {
    const error = thrown(() => applyOverlay(document, overlay([{ target: '$.info', update: {} }, { target: "$.items[?@.id == 'q']", remove: true }]), 'my-overlay.yml'));
    expect(error.location).toBe('my-overlay.yml › actions[1] › target');
    expect(error.message).toMatch(/\$\.items\[\?@\.id == 'q'\] selects nothing in the document/);
  });

  it('refuses targets that select primitives and updates whose types do not match', () => {
    expect(thrown(() => applyOverlay(document, overlay([{ target: '$.info.title', update: 'x' }]))).message).toMatch(
      /actions\[0\] › target: .*is a string; target the object that contains it/,
    );
    expect(thrown(() => applyOverlay(document, overlay([{ target: '$.info', update: { tags: 'x' } }]))).message).toMatch(
      /actions\[0\] › update: cannot merge a string into an array/,
    );
    expect(thrown(() => applyOverlay(document, overlay([{ target: '$.info', update: 'x' }]))).message).toMatch(
      /update: must be an object to merge/,
    );
    expect(thrown(() => applyOverlay(document, overlay([{ target: '$', remove: true }]))).message).toMatch(/whole document/);
  });

  it('leaves its input untouched', () => {
    const before = JSON.stringify(document);
    applyOverlay(document, overlay([{ target: '$.info', update: { title: 'changed', tags: ['c'] } }, { target: '$.items[0]', remove: true }]));
    expect(JSON.stringify(document)).toBe(before);
  });
});

describe('loadOverlay and overlays in loadArazzo', () => {
  function write(name: string, content: unknown): string {
    const file = join(scratch, name);
    writeFileSync(file, typeof content === 'string' ? content : stringify(content));
    return file;
  }

  it('applies a generic overlay: remove an action, append a criterion', () => {
    const loaded = loadArazzo(join(fixtures, 'order-poll.arazzo.yml'), { overlay: join(fixtures, 'pets-overlay.yml') });
    validateForCompilation(loaded);
    const [create, poll] = findWorkflow(loaded).steps;
    expect(poll.onSuccess?.map((action) => ('name' in action ? action.name : action.reference))).toEqual([
      '$components.successActions.done',
    ]);
    expect(create.successCriteria).toEqual([{ condition: '$statusCode == 201' }, { condition: '$response.body#/id != null' }]);
  });

  it('lists every problem in an overlay file', () => {
    const file = write('bad-overlay.yml', {
      overlay: '2.0.0',
      info: { title: 'x' },
      actions: [{ target: '$.info' }, { target: '$[', update: {} }, { target: '$.a', remove: 'yes', updates: {} }],
    });
    expect(thrown(() => loadOverlay(file)).problems).toEqual([
      `${file} › overlay: must be an Overlay 1.0.x version such as "1.0.0", not "2.0.0"`,
      `${file} › info: must be an object with string title and version`,
      `${file} › actions[0]: does nothing: give it an update, or remove: true`,
      expect.stringMatching(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} › actions\\[1\\] › target: is not an RFC 9535 JSONPath query`),
      `${file} › actions[2] › updates: is not an Overlay 1.0 action field (target, description, update, remove, x-…)`,
      `${file} › actions[2] › remove: must be true or false`,
      `${file} › actions[2]: does nothing: give it an update, or remove: true`,
    ]);
  });

  it('refuses an overlay written for another document', () => {
    const file = write('other-extends.yml', { ...overlay([{ target: '$.info', update: {} }]), extends: './elsewhere.arazzo.yml' });
    const error = thrown(() => loadArazzo(join(fixtures, 'order-poll.arazzo.yml'), { overlay: file }));
    expect(error.location).toBe(`${file} › extends`);
    expect(error.message).toMatch(/written for .*elsewhere\.arazzo\.yml but is being applied to .*order-poll\.arazzo\.yml/);
  });

  it('reports the overlay location when an action no longer matches the document', () => {
    const file = write('drifted.yml', overlay([{ target: "$.workflows[?@.workflowId=='gone']", update: {} }]));
    const error = thrown(() => loadArazzo(join(fixtures, 'order-poll.arazzo.yml'), { overlay: file }));
    expect(error.location).toBe(`${file} › actions[0] › target`);
  });
});
