/**
 * How a step finds the operation it calls, and the messages when it cannot: operationId (plain or qualified by
 * source), operationPath, and reusable objects. Each case changes one field of a loaded document.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findWorkflow, loadArazzo, resolveReusable, resolveStepOperation, type LoadedArazzo } from '../../lib/arazzo/load.ts';
import type { Step } from '../../lib/arazzo/types.ts';

const fixtures = fileURLToPath(new URL('../fixtures/arazzo/', import.meta.url));
const load = (): LoadedArazzo => loadArazzo(join(fixtures, 'order-poll.arazzo.yml'), { allowRoots: [fixtures] });

/** Resolves the first step's operation after replacing what it calls. */
function resolve(calls: Partial<Step>, change: (loaded: LoadedArazzo) => void = () => undefined) {
  const loaded = load();
  change(loaded);
  const workflow = findWorkflow(loaded);
  const { operationId: _id, operationPath: _path, ...rest } = workflow.steps[0];
  return () => resolveStepOperation(loaded, workflow, { ...rest, ...calls } as Step);
}
const WHERE = /workflows\[place-order\] › steps\[createOrder\] › operationId: /;

describe('an operationId', () => {
  it('plain or qualified by its source finds the operation', () => {
    expect(resolve({ operationId: 'getOrder' })()).toMatchObject({ operationId: 'getOrder', method: 'GET' });
    expect(resolve({ operationId: '$sourceDescriptions.petStore.createOrder' })()).toMatchObject({ operationId: 'createOrder', method: 'POST' });
  });

  it('that starts with $ but is not $sourceDescriptions.<name>.<id> is refused', () => {
    expect(resolve({ operationId: '$inputs.op' })).toThrow(/"\$inputs\.op" must be a plain operationId or \$sourceDescriptions\.<name>\.<operationId>/);
  });

  it('naming a source the document does not have lists the sources it has', () => {
    expect(resolve({ operationId: '$sourceDescriptions.shop.getOrder' })).toThrow(/"\$sourceDescriptions\.shop\.getOrder" names no source description "shop"; the document has "petStore"/);
  });

  it('that no source has lists the known ones', () => {
    expect(resolve({ operationId: 'deleteOrder' })).toThrow(/"deleteOrder" is not an operationId in petStore; known operationIds: "createOrder", "getOrder", "getInventory"/);
  });

  it('found in two sources asks for the qualified form; twice in one source asks for unique ids', () => {
    const twoSources = resolve({ operationId: 'getOrder' }, (loaded) => {
      loaded.sources.mirror = { ...loaded.sources.petStore, name: 'mirror', operations: loaded.sources.petStore.operations.map((o) => ({ ...o, sourceDescription: 'mirror' })) };
    });
    expect(twoSources).toThrow(/"getOrder" is an operationId in petStore and mirror; write \$sourceDescriptions\.<name>\.getOrder to choose one/);
    const twice = resolve({ operationId: 'getOrder' }, (loaded) => {
      const source = loaded.sources.petStore;
      source.operations = [...source.operations, ...source.operations.filter((o) => o.operationId === 'getOrder')];
    });
    expect(twice).toThrow(/"getOrder" is the operationId of several operations in petStore; operationIds must be unique, or use operationPath/);
  });

  it('is refused where it is, by its document path', () => {
    expect(resolve({ operationId: 'deleteOrder' })).toThrow(WHERE);
  });
});

describe('an operationPath', () => {
  it('with the source url expression or the url as written finds the operation', () => {
    expect(resolve({ operationPath: '{$sourceDescriptions.petStore.url}#/paths/~1orders/post' })()).toMatchObject({ operationId: 'createOrder' });
    const loaded = load();
    const written = loaded.document.sourceDescriptions[0].url;
    expect(resolve({ operationPath: `${written}#/paths/~1orders/post` })()).toMatchObject({ operationId: 'createOrder' });
    expect(resolve({ operationPath: '{$sourceDescriptions.petStore.url}#/paths/~1orders~1%7BorderId%7D/get' })()).toMatchObject({ operationId: 'getOrder' });
  });

  it('without a # is refused with an example', () => {
    expect(resolve({ operationPath: '{$sourceDescriptions.petStore.url}/paths' })).toThrow(/must be \{\$sourceDescriptions\.<name>\.url\}#<json-pointer>, e\.g\./);
  });

  it('naming an unknown source lists the sources', () => {
    expect(resolve({ operationPath: '{$sourceDescriptions.shop.url}#/paths/~1orders/post' })).toThrow(/names no source description "shop"; the document has "petStore"/);
  });

  it('starting with anything else is refused with the form to use', () => {
    expect(resolve({ operationPath: 'https://elsewhere.test/api.yml#/paths/~1orders/post' })).toThrow(/must start with \{\$sourceDescriptions\.<name>\.url\}/);
  });

  it('into an Arazzo source is refused', () => {
    const arazzoSource = resolve({ operationPath: '{$sourceDescriptions.petStore.url}#/paths/~1orders/post' }, (loaded) => {
      loaded.sources.petStore = { ...loaded.sources.petStore, type: 'arazzo' };
    });
    expect(arazzoSource).toThrow(/"petStore" is an Arazzo source description; an operationPath must point into an OpenAPI description/);
  });
});

describe('a reusable object', () => {
  const loaded = load();
  it('must reference components.parameters, successActions or failureActions', () => {
    expect(() => resolveReusable(loaded, { reference: '$inputs.x' }, 'here')).toThrow(/here › reference: "\$inputs\.x" must be \$components\.parameters\.<name>/);
  });

  it('that names nothing lists what the components have', () => {
    expect(() => resolveReusable(loaded, { reference: '$components.failureActions.nope' }, 'here')).toThrow(/"\$components\.failureActions\.nope" names nothing; components\.failureActions has/);
    expect(() => resolveReusable(loaded, { reference: '$components.parameters.nope' }, 'here')).toThrow(/components\.parameters has "auth"/);
  });

  it('may override the value of a parameter only, and is a copy', () => {
    const overridden = resolveReusable<{ value: unknown }>(loaded, { reference: '$components.parameters.auth', value: 'x' }, 'here');
    expect(overridden.value).toBe('x');
    expect((loaded.document.components?.parameters?.auth as { value: unknown }).value).not.toBe('x');
    const action = Object.keys(loaded.document.components?.successActions ?? {})[0];
    if (action) {
      expect(() => resolveReusable(loaded, { reference: `$components.successActions.${action}`, value: 'x' }, 'here')).toThrow(
        /here › value: only a parameter reference may override value; remove it/,
      );
    }
  });
});
