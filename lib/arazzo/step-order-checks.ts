/**
 * Checks of a workflow's step order:
 *  - step `dependsOn` (1.1): known stepIds of this workflow, no cycles (named), no steps of other workflows; such a
 *    workflow runs by its dependency graph (see lib/compile/step-layout.ts), so document order does not matter;
 *  - forward references (1.1 § Step Dependencies, Validation Recommendations): in a workflow without
 *    `dependsOn`, a step that reads `$steps.<later>.outputs…` reads nothing, unless a goto loops back.
 */
import { expressionsIn, parseExpression } from './expressions.ts';
import { documentPath } from './errors.ts';
import type { LoadedArazzo } from './load.ts';
import { listOrNone, resolveReusable } from './lookups.ts';
import { parseSimpleCondition } from './simple-condition.ts';
import type { Criterion, FailureAction, Parameter, Step, SuccessAction, Workflow } from './types.ts';

export type Report = (location: string, message: string) => void;

export function checkStepOrder(loaded: LoadedArazzo, workflow: Workflow, report: Report): void {
  const where = documentPath(loaded.file, `workflows[${workflow.workflowId}]`);
  const index = new Map(workflow.steps.map((step, i) => [step.stepId, i]));
  const reads = new Map(workflow.steps.map((step) => [step.stepId, stepsRead(loaded, workflow, step, where)]));

  for (const step of workflow.steps) {
    for (const expression of reads.get(step.stepId)!.self) {
      if (loaded.document.$self === undefined) {
        report(documentPath(where, `steps[${step.stepId}]`), `"${expression}" reads the document's $self, which this document does not declare`);
      }
    }
  }

  if (usesDependsOn(workflow)) {
    checkDependsOn(workflow, where, index, reads, report);
    return;
  }
  const loopBacks = loopBackEdges(loaded, workflow, index);
  for (const step of workflow.steps) {
    const from = index.get(step.stepId)!;
    for (const read of reads.get(step.stepId)!.steps) {
      const target = index.get(read);
      if (target === undefined || target <= from) continue;
      // A goto from the read step (or later) back to this step (or earlier) can run the read step first.
      if (loopBacks.some(([source, back]) => source >= target && back <= from)) continue;
      report(
        documentPath(where, `steps[${step.stepId}]`),
        `reads the outputs of step ${read}, which comes later in the steps list and has not run yet (a forward reference); move ${read} before ${step.stepId}, or declare dependsOn (Arazzo 1.1)`,
      );
    }
  }
}

interface StepReads {
  /** stepIds whose outputs the step reads. */
  steps: Set<string>;
  /** `$self` expressions the step uses. */
  self: string[];
}

/** The stepIds a step's values, criteria and outputs read, and its `$self` expressions. */
function stepsRead(loaded: LoadedArazzo, workflow: Workflow, step: Step, where: string): StepReads {
  const expressions: string[] = [];
  const parameters = [...(workflow.parameters ?? []), ...(step.parameters ?? [])];
  for (const item of parameters) {
    const parameter = tryResolve<Parameter>(loaded, item, where);
    if (parameter) expressions.push(...expressionsIn(parameter.value));
  }
  if (step.requestBody) {
    expressions.push(...expressionsIn(step.requestBody.payload));
    for (const replacement of step.requestBody.replacements ?? []) expressions.push(...expressionsIn(replacement.value));
  }
  const criteria: Criterion[] = [...(step.successCriteria ?? [])];
  for (const item of [...(step.onSuccess ?? []), ...(step.onFailure ?? [])]) {
    const action = tryResolve<SuccessAction | FailureAction>(loaded, item, where);
    if (action) criteria.push(...(action.criteria ?? []));
  }
  for (const criterion of criteria) {
    if (typeof criterion.context === 'string') expressions.push(criterion.context);
    if ((criterion.type === undefined || criterion.type === 'simple') && typeof criterion.condition === 'string') {
      const parsed = parseSimpleCondition(criterion.condition);
      if (!('error' in parsed)) expressions.push(...parsed.expressions);
    }
  }
  for (const value of Object.values(step.outputs ?? {})) {
    if (typeof value === 'string') expressions.push(value);
    else if (typeof value?.context === 'string') expressions.push(value.context); // a Selector Object (1.1)
  }
  if (typeof step.correlationId === 'string') expressions.push(...expressionsIn(step.correlationId));

  const reads: StepReads = { steps: new Set(), self: [] };
  for (const expression of expressions) {
    const parsed = parseExpression(expression.trim());
    if (!('expression' in parsed)) continue;
    if (parsed.expression.root === 'steps') reads.steps.add(parsed.expression.stepId);
    if (parsed.expression.root === 'self') reads.self.push(expression);
  }
  reads.steps.delete(step.stepId);
  return reads;
}

export function tryResolve<T>(loaded: LoadedArazzo, item: unknown, where: string): T | undefined {
  try {
    return resolveReusable<T>(loaded, item as T, where);
  } catch {
    // reported by the compilation checks
  }
  return undefined;
}

/** [from index, to index] of every goto that goes back to the same or an earlier step. */
function loopBackEdges(loaded: LoadedArazzo, workflow: Workflow, index: Map<string, number>): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  const last = workflow.steps.length - 1;
  const gotoTarget = (item: unknown): number | undefined => {
    const action = tryResolve<SuccessAction | FailureAction>(loaded, item, '');
    return action?.type === 'goto' && action.stepId !== undefined ? index.get(action.stepId) : undefined;
  };
  workflow.steps.forEach((step, from) => {
    for (const item of [...(step.onSuccess ?? []), ...(step.onFailure ?? [])]) {
      const to = gotoTarget(item);
      if (to !== undefined && to <= from) edges.push([from, to]);
    }
  });
  for (const item of [...(workflow.successActions ?? []), ...(workflow.failureActions ?? [])]) {
    const to = gotoTarget(item);
    if (to !== undefined) edges.push([last, to]);
  }
  return edges;
}

function checkDependsOn(
  workflow: Workflow,
  where: string,
  index: Map<string, number>,
  reads: Map<string, StepReads>,
  report: Report,
): void {
  const ids = [...index.keys()];
  for (const step of workflow.steps) {
    (step.dependsOn ?? []).forEach((id, i) => {
      const at = documentPath(where, `steps[${step.stepId}]`, `dependsOn[${i}]`);
      if (id.startsWith('$')) {
        report(at, `"${id}": depending on a step of another workflow is not supported; depend on steps of workflow ${workflow.workflowId}`);
      } else if (!index.has(id)) {
        report(at, `"${id}" is not a step of workflow ${workflow.workflowId}; steps are ${listOrNone(ids)}`);
      } else if (id === step.stepId) {
        report(at, `step ${id} cannot depend on itself`);
      }
    });
  }
  const cycle = findCycle(dependencyGraph(workflow, reads), [...index.keys()]);
  if (cycle) {
    report(
      documentPath(where, 'steps'),
      `steps depend on each other in a cycle: ${cycle.join(' → ')} (through dependsOn and $steps references); break the cycle`,
    );
  }
}

/** Whether any step declares `dependsOn`: the workflow then runs by its dependency graph, not in document order. */
export function usesDependsOn(workflow: Workflow): boolean {
  return workflow.steps.some((step) => step.dependsOn !== undefined);
}

/**
 * Dependencies of each step: its dependsOn plus the steps whose outputs it reads (spec: implicit dependencies),
 * limited to steps of this workflow.
 */
export function stepDependencies(loaded: LoadedArazzo, workflow: Workflow): Map<string, Set<string>> {
  const where = documentPath(loaded.file, `workflows[${workflow.workflowId}]`);
  return dependencyGraph(workflow, new Map(workflow.steps.map((step) => [step.stepId, stepsRead(loaded, workflow, step, where)])));
}

function dependencyGraph(workflow: Workflow, reads: Map<string, StepReads>): Map<string, Set<string>> {
  const known = new Set(workflow.steps.map((step) => step.stepId));
  return new Map(
    workflow.steps.map((step) => [
      step.stepId,
      new Set([...(step.dependsOn ?? []), ...reads.get(step.stepId)!.steps].filter((id) => known.has(id) && id !== step.stepId)),
    ]),
  );
}

function findCycle(dependencies: Map<string, Set<string>>, ids: string[]): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of dependencies.get(id)!) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const found = visit(id);
    if (found) return found;
  }
  return undefined;
}
