/** The compile-time problems of the sound shop-order document after an edit made in memory, for rule tests. */
import { ArazzoDocumentError, loadArazzo, validateForCompilation } from '../../lib/arazzo/load.ts';
import type { ArazzoDocument, Step, Workflow } from '../../lib/arazzo/types.ts';
import { fixture } from './compile-fixture.ts';

export interface ShopOrderEdit {
  workflow: Workflow;
  document: ArazzoDocument;
  step: (id: string) => Step;
}

/** The problems of the shop-order document after `edit`, each without the path up to the workflow. */
export function shopOrderProblems(edit: (at: ShopOrderEdit) => void): string[] {
  const loaded = loadArazzo(fixture('shop-order.arazzo.yml'));
  const workflow = loaded.document.workflows[0];
  edit({ workflow, document: loaded.document, step: (id) => workflow.steps.find((s) => s.stepId === id)! });
  try {
    validateForCompilation(loaded, 'place-order');
    return [];
  } catch (error) {
    if (!(error instanceof ArazzoDocumentError)) throw error;
    return error.problems.map((p) => p.replace(/^.*?workflows\[place-order\] › /, ''));
  }
}
