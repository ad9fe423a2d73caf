/**
 * The shape a workflow with step `dependsOn` (Arazzo 1.1) runs in. Its steps form a dependency graph (each
 * step's `dependsOn` plus the steps whose outputs it reads); steps of which neither depends on the other, directly
 * or not, run at the same time as branches of a Step Functions Parallel state, and a step that depends on several
 * runs after the Parallel joins them.
 *
 * The graph is cut, recursively, into a sequence of entries:
 *  - steps that fall apart into unconnected groups run as one Parallel, a branch per group (document order);
 *  - a group with a single last step (no other step of the group depends on it) runs the rest, then that step;
 *  - otherwise the group's first steps (those depending on no other step of it) run first, then the rest.
 * Every cut runs only steps whose dependencies have run, so each dependency holds. A graph that is not
 * series-parallel (a depends on x; b depends on x and y) waits a little more than it must: b and a both wait
 * for x and y.
 */
import { ArazzoDocumentError, documentPath } from '../arazzo/errors.ts';
import { MAX_STATE_NAME_LENGTH } from './asl.ts';
import { repeatIsUnsafe, type StepPlan } from './step-plan.ts';

/** One entry of a sequence: a step, or a Parallel whose branches are sequences. */
export type LayoutEntry = { step: string } | ParallelEntry;

export interface ParallelEntry {
  /** The Parallel state's name, and the name of the step-runner Task that joins its branches. */
  name: string;
  joinName: string;
  branches: BranchLayout[];
}

export interface BranchLayout {
  entries: LayoutEntry[];
  /** Names this branch's own states: its end (a Pass) and its Fail states. */
  label: string;
}

export interface StepLayout {
  entries: LayoutEntry[];
  /** Every step, in the order the layout lists them (a step's dependencies always come before it). */
  order: string[];
}

export function layoutSteps(stepIds: string[], dependencies: Map<string, Set<string>>): StepLayout {
  const naming = { parallels: 0, branches: 0 };
  const entries = sequence(stepIds, dependencies, naming);
  return { entries, order: entries.flatMap(stepsOf) };
}

/**
 * The share of the run-state budget each step may fill. A Parallel's output holds the state it started from and
 * what each of its N branches added, so a step in one of the branches may fill 1 / (N + 1) of what the Parallel
 * itself may: the branches together then never take the state past the budget (nested Parallels multiply).
 */
export function stateShares(entries: LayoutEntry[], share = 1, shares = new Map<string, number>()): Map<string, number> {
  for (const entry of entries) {
    if ('step' in entry) shares.set(entry.step, share);
    else for (const branch of entry.branches) stateShares(branch.entries, branchShare(share, entry.branches.length), shares);
  }
  return shares;
}

export function branchShare(share: number, branches: number): number {
  return share / (branches + 1);
}

/** The steps of an entry, in layout order. */
export function stepsOf(entry: LayoutEntry): string[] {
  return 'step' in entry ? [entry.step] : entry.branches.flatMap((branch) => branch.entries.flatMap(stepsOf));
}

function sequence(ids: string[], dependencies: Map<string, Set<string>>, naming: { parallels: number; branches: number }): LayoutEntry[] {
  if (ids.length <= 1) return ids.map((step) => ({ step }));
  const within = new Set(ids);
  // Stryker disable next-line ArrayDeclaration: the filter keeps only steps of this sequence, so a made-up fallback entry is dropped like an empty one
  const dependsOn = (id: string) => [...(dependencies.get(id) ?? [])].filter((other) => within.has(other));
  const groups = connectedGroups(ids, dependsOn);
  if (groups.length > 1) {
    const branches = groups.map((group) => sequence(group, dependencies, naming));
    return [parallel(branches, naming)];
  }
  const last = ids.filter((id) => !ids.some((other) => dependsOn(other).includes(id)));
  if (last.length === 1) {
    return [...sequence(ids.filter((id) => id !== last[0]), dependencies, naming), { step: last[0]! }];
  }
  const first = ids.filter((id) => dependsOn(id).length === 0);
  return [...sequence(first, dependencies, naming), ...sequence(ids.filter((id) => !first.includes(id)), dependencies, naming)];
}

/** Groups of steps linked by dependencies either way, each in document order, the groups by their first step. */
function connectedGroups(ids: string[], dependsOn: (id: string) => string[]): string[][] {
  const group = new Map(ids.map((id) => [id, id]));
  const root = (id: string): string => (group.get(id) === id ? id : root(group.get(id)!));
  for (const id of ids) for (const other of dependsOn(id)) group.set(root(other), root(id));
  const groups = new Map<string, string[]>();
  for (const id of ids) groups.set(root(id), [...(groups.get(root(id)) ?? []), id]);
  return [...groups.values()];
}

function parallel(branchEntries: LayoutEntry[][], naming: { parallels: number; branches: number }): ParallelEntry {
  const n = ++naming.parallels;
  const firsts = branchEntries.map((entries) => entries.flatMap(stepsOf)[0]!);
  return {
    name: fitName(`Parallel ${firsts.join(' + ')}`, `Parallel #${n}`),
    joinName: fitName(`Join ${firsts.join(' + ')}`, `Join #${n}`),
    branches: branchEntries.map((entries, i) => ({ entries, label: fitName(`branch ${firsts[i]}`, `branch #${++naming.branches}`, 24) })),
  };
}

/** State names are at most 80 characters; a branch label leaves room for the state names built on it. */
function fitName(preferred: string, fallback: string, room = 0): string {
  return preferred.length <= MAX_STATE_NAME_LENGTH - room ? preferred : fallback;
}

/** Where each step runs: which sequence (the workflow's own, or a branch) and at what position in it. */
interface Placement {
  sequence: string;
  /** Label of the branch, or undefined for the workflow's own sequence. */
  branch?: string;
  position: number;
}

function placements(layout: StepLayout): Map<string, Placement> {
  const placed = new Map<string, Placement>();
  const visit = (entries: LayoutEntry[], sequenceKey: string, branch?: string) => {
    entries.forEach((entry, position) => {
      if ('step' in entry) placed.set(entry.step, { sequence: sequenceKey, ...(branch !== undefined ? { branch } : {}), position });
      else for (const inner of entry.branches) visit(inner.entries, inner.label, inner.label);
    });
  };
  visit(layout.entries, '');
  return placed;
}

/**
 * What a layout cannot run, refused naming the step. When one branch fails, Step Functions stops the others,
 * abandoning a call in flight (its answer is never recorded), and a redrive runs the stopped step again:
 *  - a step whose request may act and has no idempotency key (POST, PATCH, or marked non-idempotent): it
 *    could be sent twice;
 *  - a workflow step: its child run would be stopped midway and started again from its first step.
 * A Choice in a branch can only reach states of that branch, and a branch ends only when all its steps have run
 * (the join reads their outputs), so these actions are refused too:
 *  - a goto between a branch and anything outside it (the goto's target runs in another sequence);
 *  - a goto forward inside a branch (it would skip steps the join reads);
 *  - an end, or a goto to a workflow, in a branch (it would end only that branch while the others run on);
 *  - a goto forward that skips a step another step depends on.
 */
export function checkLayout(layout: StepLayout, plans: StepPlan[], dependencies: Map<string, Set<string>>, where: string): void {
  const placed = placements(layout);
  // The position of the workflow's own sequence each step runs at (a step in a branch: its Parallel's).
  const outer = new Map(layout.entries.flatMap((entry, position) => stepsOf(entry).map((step) => [step, position] as const)));
  const dependents = (step: string) => [...dependencies].filter(([, on]) => on.has(step)).map(([id]) => id);
  for (const plan of plans) {
    const from = placed.get(plan.stepId);
    if (from === undefined) continue;
    const refuse = (message: string) => {
      throw new ArazzoDocumentError(documentPath(where, `steps[${plan.stepId}]`), message);
    };
    const branch = from.branch === undefined ? '' : `${plan.stepId} runs in a parallel branch (${from.branch})`;
    const orInOrder = 'or drop dependsOn (steps then run in document order)';
    const alone = `make the steps beside it depend on ${plan.stepId}`;
    if (branch && plan.workflowCall) {
      refuse(`${branch}, but a workflow step cannot: if another branch fails, its child run is stopped midway and a redrive starts it again; ${alone}, ${orInOrder}`);
    }
    if (branch && plan.receive) {
      refuse(`${branch}, but a receive step cannot: its wait for the run's callback would be abandoned if another branch fails; ${alone}, ${orInOrder}`);
    }
    if (branch && repeatIsUnsafe(plan)) {
      refuse(`${branch}, but its ${plan.request.method} has no idempotency key: if another branch fails meanwhile, the call is abandoned and a redrive sends it again; set the deployment option idempotency.${plan.stepId}, ${alone}, ${orInOrder}`);
    }
    for (const action of [...plan.onSuccess, ...plan.onFailure]) {
      const what = `action ${action.name}`;
      if (branch && (action.workflowId !== undefined || (action.type === 'end' && action.endsInFailure !== true))) {
        const does = action.workflowId !== undefined ? `hands the run to workflow ${action.workflowId}` : 'ends the workflow';
        refuse(`${what} ${does}, but ${branch}, where that would stop only its branch; do it from a step that depends on ${plan.stepId}, ${orInOrder}`);
      }
      // Only a goto's plan carries a stepId (plan-step.ts).
      if (action.stepId === undefined) continue;
      const to = placed.get(action.stepId)!;
      if (to.sequence !== from.sequence) {
        const target = to.branch !== undefined ? `runs in a parallel branch (${to.branch})` : 'runs outside the parallel branches';
        refuse(`${what} goes to step ${action.stepId}, which ${target}${branch ? `, while ${branch}` : ''}; no state can jump into or out of a Parallel branch. Make the two steps depend on each other, ${orInOrder}`);
      }
      if (to.position <= from.position) continue;
      if (branch) {
        refuse(`${what} goes forward to step ${action.stepId}, but ${branch}, which joins only when all its steps have run: a goto in a branch may only go back (a poll); ${orInOrder}`);
      }
      const skipped = [...outer].filter(([, position]) => position > from.position && position < to.position).map(([step]) => step);
      for (const step of skipped) {
        const needing = dependents(step).filter((id) => !skipped.includes(id));
        if (needing.length > 0) {
          refuse(`${what} goes to step ${action.stepId}, skipping step ${step}, which step ${needing[0]} depends on (dependsOn or a $steps read); a step runs only after the steps it depends on`);
        }
      }
    }
  }
}
