/**
 * Compiles a workflow and every workflow it runs (workflow steps, goto to a workflow, dependsOn), each into
 * its own state machine definition. Children are compiled first, so a parent's time budget includes theirs;
 * the secret inputs each child reads from the secret store follow from what its callers pass it.
 */
import { ArazzoDocumentError } from '../arazzo/errors.ts';
import type { LoadedArazzo } from '../arazzo/load.ts';
import { buildWorkflowGraph, resolveWorkflowReference, type WorkflowEdge, type WorkflowGraph, type WorkflowNode } from '../arazzo/workflow-graph.ts';
import type { Step } from '../arazzo/types.ts';
import { isReceiveStep } from '../arazzo/receive-steps.ts';
import { passThroughInputs, stepCallInputs } from './child-workflow.ts';
import type { CompileOptions } from './compile-options.ts';
import { compileWorkflow, type CompiledWorkflow } from './compile-workflow.ts';
import type { StepPlan, WorkflowCallPlan } from './step-plan.ts';

export interface CompiledWorkflowSet {
  root: CompiledWorkflow;
  /** Every workflow the root runs, directly or not, each after the workflows it runs; empty for a lone workflow. */
  children: CompiledWorkflow[];
}

/** What compileWorkflow needs to know about the set a workflow is compiled in. */
export interface Composition {
  key: string;
  /** Started as a nested execution: its input is `{ inputs, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID }`. */
  asChild: boolean;
  /** The call a workflow step of this workflow makes. */
  workflowCall: (step: Step) => WorkflowCallPlan;
  /** The workflows its dependsOn runs first, in order. */
  dependencyCalls: WorkflowCallPlan[];
  /** The call a goto to the workflow with this key makes. */
  gotoCall: (target: string) => WorkflowCallPlan;
  /** The key of the workflow a `workflowId` reference of this workflow names. */
  workflowKey: (reference: string, where: string) => string;
  /** A called workflow's outputs as `name: $outputs.name` (see PlanContext.childOutputs). */
  childOutputs: (key: string) => Record<string, string>;
  /** Seconds the workflows these plans run may take, together. */
  callTimeoutSeconds: (plans: StepPlan[]) => number;
}

export function compileWorkflowSet(loaded: LoadedArazzo, options: CompileOptions = {}): CompiledWorkflowSet {
  // The loader refuses a document without workflows, so there is always a first one.
  const rootId = options.workflowId ?? loaded.document.workflows[0]!.workflowId;
  const graph = buildWorkflowGraph(loaded, rootId, options.maxWorkflowDepth);
  // Stryker disable next-line ArrayDeclaration: the root's secret inputs only mark child inputs of the same names secret; a placeholder name matches no input
  const calls = callsOf(graph, options.secretInputs ?? []);
  const compiled = new Map<string, CompiledWorkflow>();

  for (const key of graph.order) {
    const node = graph.nodes.get(key)!;
    const isRoot = key === graph.root;
    if (!isRoot) refuseReceiveStepInCalledWorkflow(node, graph.nodes.get(graph.root)!.workflow.workflowId);
    const nodeOptions: CompileOptions = isRoot
      ? options
      : {
          // Step-specific settings name the root workflow's steps; the rest holds for every workflow deployed
          // (each resolves an absent one to its default).
          // Base URLs by source name, for the sources this workflow's document has (an arazzo source has its own).
          serverUrls: Object.fromEntries(Object.entries(options.serverUrls ?? {}).filter(([name]) => Object.hasOwn(node.loaded.sources, name))),
          waitPolicy: options.waitPolicy,
          transientRetry: options.transientRetry,
          loopLimit: options.loopLimit,
          requestTimeoutMs: options.requestTimeoutMs,
          maxResponseBytes: options.maxResponseBytes,
          // A called workflow's inputs come from its caller's run, which let strings this long in.
          maxStringLength: options.maxStringLength,
          functionArn: options.functionArn,
          // No called workflow has a wake-up wait today (callbacks name the root's steps); when one does, it uses the same registrar.
          callbackRegistrarArn: options.callbackRegistrarArn,
          // Stryker disable next-line ArrayDeclaration: callsOf gives every child (the target of some edge) its list of secret inputs
          secretInputs: calls.secretInputs.get(key) ?? [],
        };
    compiled.set(
      key,
      compileWorkflow(node.loaded, { ...nodeOptions, workflowId: node.workflow.workflowId }, {
        key,
        asChild: !isRoot,
        workflowCall: (step) => planned(calls.byStep, `${key}\u0000${step.stepId}`),
        dependencyCalls: calls.dependencies.get(key) ?? [],
        gotoCall: (target) => planned(calls.gotos, `${key}\u0000${target}`),
        workflowKey: (reference, at) => resolveWorkflowReference(node.loaded, reference, at, key.slice(0, key.length - node.workflow.workflowId.length)).key,
        childOutputs: (child) =>
          Object.fromEntries(Object.keys(graph.nodes.get(child)!.workflow.outputs ?? {}).map((name) => [name, `$outputs.${name}`])),
        callTimeoutSeconds: (plans) =>
          // Stryker disable next-line OptionalChaining: graph.order puts every workflow after those it runs, so each called one is compiled already
          plans.reduce((sum, plan) => sum + (plan.workflowCall ? (compiled.get(plan.workflowCall.workflow)?.definition.TimeoutSeconds ?? 0) : 0), 0),
      }),
    );
  }
  return {
    root: compiled.get(graph.root)!,
    children: graph.order.filter((key) => key !== graph.root).map((key) => compiled.get(key)!),
  };
}

/**
 * A run has one callback URL, which the deployment's `callbacks` option puts in a request of the deployed
 * workflow, so only that workflow's steps can wait for it; a called workflow runs as a nested execution without one.
 */
function refuseReceiveStepInCalledWorkflow(node: WorkflowNode, rootId: string): void {
  const receive = node.workflow.steps.find(isReceiveStep);
  if (receive === undefined) return;
  const { workflowId } = node.workflow;
  throw new ArazzoDocumentError(
    `${node.loaded.file} › workflows[${workflowId}] › steps[${receive.stepId}]`,
    `is a receive step in workflow ${workflowId}, which workflow ${rootId} runs; only the deployed workflow's steps can wait for the run's callback, so move the receive step into workflow ${rootId}, or deploy ${workflowId} on its own (deployment option workflowId)`,
  );
}

/**
 * The call each workflow step makes, and each workflow's secret inputs: the root's are the deployment's;
 * a child's are the inputs its callers pass from their own secret inputs. A child input cannot be secret for
 * one caller and public for another: its state machine either reads it from the secret store or accepts it.
 */
function callsOf(graph: WorkflowGraph, rootSecrets: string[]) {
  const secretInputs = new Map<string, string[]>([[graph.root, rootSecrets]]);
  const byStep = new Map<string, WorkflowCallPlan>();
  const dependencies = new Map<string, WorkflowCallPlan[]>();
  const gotos = new Map<string, WorkflowCallPlan>();
  const publicBindings: Array<{ child: string; names: string[]; where: string }> = [];
  // Callers before the workflows they run, so each workflow's secret inputs are known before it passes them on.
  for (const key of [...graph.order].reverse()) {
    const node = graph.nodes.get(key)!;
    // The root's are set above; any other workflow's by its callers, which came first.
    const parentSecrets = secretInputs.get(key)!;
    for (const edge of node.edges) {
      const child = graph.nodes.get(edge.target)!;
      const bound = edgeInputs(node, edge, child, parentSecrets);
      secretInputs.set(edge.target, [...new Set([...(secretInputs.get(edge.target) ?? []), ...bound.secretInputs])]);
      publicBindings.push({ child: edge.target, names: Object.keys(bound.inputs), where: edge.where });
      const call: WorkflowCallPlan = { kind: edge.kind, workflow: edge.target, ...(child.loaded === node.loaded ? { localId: child.workflow.workflowId } : {}), ...bound };
      if (edge.kind === 'step') byStep.set(`${key}\u0000${edge.stepId}`, call);
      else if (edge.kind === 'dependsOn') dependencies.set(key, [...(dependencies.get(key) ?? []), call]);
      else gotos.set(`${key}\u0000${edge.target}`, call);
    }
  }
  for (const binding of publicBindings) {
    // Every called workflow got its list of secret inputs above.
    const clash = binding.names.find((name) => secretInputs.get(binding.child)!.includes(name));
    if (clash !== undefined) {
      throw new ArazzoDocumentError(
        binding.where,
        `passes "${clash}" to workflow ${binding.child} as a value, but another caller passes it from the secret store, so that workflow reads it from there; pass the secret input here too, or use another input name`,
      );
    }
  }
  return { secretInputs, byStep, dependencies, gotos };
}

function planned(calls: Map<string, WorkflowCallPlan>, id: string): WorkflowCallPlan {
  const call = calls.get(id);
  // Stryker disable next-line all: unreachable, callsOf plans a call for every workflow step and goto the graph holds; the message is for a compiler bug
  if (!call) throw new Error(`no workflow call planned for ${id.replace('\u0000', ' → ')}`);
  return call;
}

function edgeInputs(node: WorkflowNode, edge: WorkflowEdge, child: WorkflowNode, parentSecrets: string[]) {
  if (edge.kind === 'step') {
    const step = node.workflow.steps.find((candidate) => candidate.stepId === edge.stepId)!;
    // Stryker disable next-line Regex: a step edge's where ends in ' › workflowId'; only a file path or id holding that very text earlier would differ
    return stepCallInputs(node.loaded, step, parentSecrets, child, edge.where.replace(/ › workflowId$/, ''));
  }
  return passThroughInputs(node.workflow, parentSecrets, child.workflow);
}
