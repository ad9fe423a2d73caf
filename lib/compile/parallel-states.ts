/**
 * The states of steps that run at once (see step-layout.ts), JSONPath query language only:
 *
 *   Parallel <a> + <b>  (Parallel, ResultPath $.join: the run state stays, the branches' results are added)
 *     branch a: a's states … → "End of branch a" (Pass: only a's steps' outputs and its control)
 *     branch b: …
 *   → Join <a> + <b>  (the step runner: merges the branches' outputs and counters into the run state,
 *                      recomputes the workflow outputs, checks the loop limit and the state budget)
 *   → After Join <a> + <b> (Choice: next, or a Fail)
 *
 * Each branch returns only what it added, so the Parallel's result stays within the state budget however many
 * branches there are. A step that fails in a branch ends in that branch's Fail state (same Error and Cause as
 * anywhere else), which fails the Parallel and so the run: no Catch hides it from the console.
 */
import type { AslState } from './asl.ts';
import { branchShare, stepsOf, type LayoutEntry } from './step-layout.ts';
import type { StepPlan } from './step-plan.ts';

/** The Task before a first Parallel that checks the run's inputs (no step may run with inputs that fail them). */
export const INPUTS_GATE_STATE = 'Check inputs';

/** One entry of a compiled sequence: a step's plan, or a Parallel. */
export type Entry = { plan: StepPlan } | ParallelBlock;

export interface ParallelBlock {
  name: string;
  /** The step-runner Task after the Parallel. */
  join: StepPlan;
  branches: Array<{ label: string; entries: Entry[]; steps: string[] }>;
}

export function entryStart(entry: Entry): string {
  return 'plan' in entry ? entry.plan.stepId : entry.name;
}

/** A layout entry with its plans; `template` lends join plans what every plan carries (outputs, limits, secrets). */
export function toEntry(entry: LayoutEntry, plans: Map<string, StepPlan>, template: StepPlan, index: number, share = 1): Entry {
  if ('step' in entry) return { plan: plans.get(entry.step)! };
  const branches = entry.branches.map((branch) => ({
    label: branch.label,
    entries: branch.entries.map((inner) => toEntry(inner, plans, template, index, branchShare(share, entry.branches.length))),
    steps: branch.entries.flatMap(stepsOf),
  }));
  return {
    name: entry.name,
    join: joinPlan(template, entry.joinName, branches.map((branch) => branch.steps), index, share),
    branches,
  };
}

/** The plan of a join (or, with no branches and index 0, of the inputs check): no call, no criteria, no actions. */
export function joinPlan(template: StepPlan, stepId: string, branches: string[][], index: number, share = 1): StepPlan {
  const { idempotency: _idempotency, inputSchema, workflowCall: _workflowCall, ...rest } = template;
  return {
    ...rest,
    ...(share < 1 ? { stateBudgetShare: share } : {}),
    stepId,
    index,
    // Only the inputs check (index 0, no branches) checks the run's inputs; a join runs after steps have.
    ...(index === 0 ? { inputSchema } : {}),
    request: {
      // Stryker disable next-line StringLiteral: a plan with `join` runs as a join (joinBranches), which never reads its request method
      method: 'JOIN',
      url: 'join:branches',
      // Stryker disable next-line ArrayDeclaration: a join sends no request, so nothing reads its parameters
      parameters: [],
      timeoutMs: template.request.timeoutMs,
      maxResponseBytes: template.request.maxResponseBytes,
    },
    // Stryker disable next-line ArrayDeclaration: a join's route comes from the loop limit alone (joinBranches): it reads no successCriteria
    successCriteria: [],
    outputs: {},
    onSuccess: [],
    onFailure: [],
    join: { branches },
  };
}

/**
 * The last state of a branch: what it adds to the run, its steps' outputs and its counters. (A branch runs no
 * workflow step, see checkLayout, so it adds no `$workflows` entry.)
 */
export function branchEnd(branch: ParallelBlock['branches'][number]): AslState {
  return {
    Type: 'Pass',
    Comment: `What this branch adds to the run: the outputs of ${branch.steps.join(', ')} and its counters; the join merges the branches.`,
    Parameters: {
      // Every step of a branch has run when it ends (a goto in a branch may only go back), so each path exists.
      steps: Object.fromEntries(branch.steps.map((id) => [`${id}.$`, `$.steps['${id}']`])),
      'control.$': '$.control',
    },
    End: true,
  };
}
