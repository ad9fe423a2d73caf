/**
 * What resolveStepOperation says when a step names no operation, or an operationId that none of the document's
 * OpenAPI sources has: it names every source it looked in, or says there was none to look in.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findWorkflow, loadArazzo, resolveStepOperation, type LoadedArazzo } from '../../lib/arazzo/load.ts';
import type { Step } from '../../lib/arazzo/types.ts';

const fixtures = fileURLToPath(new URL('../fixtures/arazzo/', import.meta.url));

/** The error resolveStepOperation throws for the fixture's first step, calling `calls` in a document `edit` changed. */
function refusal(calls: Partial<Step>, edit: (loaded: LoadedArazzo) => void = () => undefined): string {
  const loaded = loadArazzo(join(fixtures, 'order-poll.arazzo.yml'), { allowRoots: [fixtures] });
  edit(loaded);
  const workflow = findWorkflow(loaded);
  const { stepId, parameters } = workflow.steps[0];
  try {
    resolveStepOperation(loaded, workflow, { stepId, parameters, ...calls } as Step);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected resolveStepOperation to refuse the step');
}

describe('a step that calls an API operation', () => {
  it('must say which one, with an operationId or an operationPath', () => {
    expect(refusal({})).toMatch(/steps\[createOrder\]: needs an operationId or operationPath saying which API operation it calls$/);
  });

  it('with an unknown operationId is told every OpenAPI source that was searched', () => {
    const message = refusal({ operationId: 'deleteOrder' }, (loaded) => {
      loaded.sources.mirror = { ...loaded.sources.petStore, name: 'mirror', operations: [] };
    });
    expect(message).toMatch(/"deleteOrder" is not an operationId in petStore, mirror; known operationIds: /);
  });

  it('with an operationId in a document without OpenAPI sources is told there is none', () => {
    const message = refusal({ operationId: 'deleteOrder' }, (loaded) => {
      loaded.sources.petStore = { ...loaded.sources.petStore, type: 'arazzo', operations: [] };
    });
    expect(message).toMatch(/"deleteOrder" is not an operationId in any OpenAPI source description; known operationIds: none/);
  });
});
