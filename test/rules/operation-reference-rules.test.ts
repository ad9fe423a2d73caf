/**
 * The exact forms a step's operation reference and a reusable object's reference take (lookups.ts): a qualified
 * operationId and an operationPath's source expression are the whole text, nothing before or after, and a
 * document without components has nothing to reference. Each test loads the order-poll fixture inside the `it`.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findWorkflow, loadArazzo, resolveReusable, resolveStepOperation, type LoadedArazzo } from '../../lib/arazzo/load.ts';
import type { Step } from '../../lib/arazzo/types.ts';

const fixtures = fileURLToPath(new URL('../fixtures/arazzo/', import.meta.url));
const load = (): LoadedArazzo => loadArazzo(join(fixtures, 'order-poll.arazzo.yml'), { allowRoots: [fixtures] });

/** Resolving the first step's operation when it calls `calls` instead. */
function resolving(calls: Partial<Step>): () => unknown {
  const loaded = load();
  const workflow = findWorkflow(loaded);
  const { operationId: _id, operationPath: _path, ...rest } = workflow.steps[0];
  return () => resolveStepOperation(loaded, workflow, { ...rest, ...calls } as Step);
}

describe('an operationId', () => {
  it('is qualified only when it starts with $sourceDescriptions: one that contains it is a plain id', () => {
    expect(resolving({ operationId: 'x$sourceDescriptions.petStore.getOrder' })).toThrow(
      /"x\$sourceDescriptions\.petStore\.getOrder" is not an operationId in petStore; known operationIds: "createOrder"/,
    );
  });

  it('qualified, is the whole text: a second line after it is refused with the forms to use', () => {
    expect(resolving({ operationId: '$sourceDescriptions.petStore.getOrder\nextra' })).toThrow(
      /must be a plain operationId or \$sourceDescriptions\.<name>\.<operationId>/,
    );
  });
});

describe("an operationPath's source expression", () => {
  it('is the whole text before #: with anything before or after it the path is refused, naming the form to use', () => {
    for (const operationPath of ['x{$sourceDescriptions.petStore.url}#/paths/~1orders/post', '{$sourceDescriptions.petStore.url}/v2#/paths/~1orders/post']) {
      expect(resolving({ operationPath }), operationPath).toThrow(
        `"${operationPath}" must start with {$sourceDescriptions.<name>.url}, e.g. {$sourceDescriptions.api.url}#/paths/~1pets/get`,
      );
    }
  });
});

describe('a reusable object', () => {
  it('in a document without components names nothing, and the message says the components have none', () => {
    const loaded = load();
    delete loaded.document.components;
    expect(() => resolveReusable(loaded, { reference: '$components.parameters.auth' }, 'here')).toThrow(
      'here › reference: "$components.parameters.auth" names nothing; components.parameters has none',
    );
  });
});
