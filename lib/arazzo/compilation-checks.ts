/**
 * Everything this project refuses or cannot compile in a loaded document, reported as one
 * ArazzoDocumentError listing each problem with its document path and the fix.
 */
import { checkCriterionField } from './criteria.ts';
import { ArazzoDocumentError, documentPath, problemsError, type DocumentProblem } from './errors.ts';
import { checkExpression, checkValueExpressions, expressionsIn, parseExpression } from './expressions.ts';
import { checkRefusedFeatures } from './feature-refusals.ts';
import { checkInputSchema } from './inputs.ts';
import { checkReplacementTarget } from './replacement-target.ts';
import { embeddedExpressions } from './condition-template.ts';
import { isJsonTextPayload, readJsonTemplate } from './json-template.ts';
import { checkSchemaPatterns } from './linear-regex.ts';
import type { LoadedArazzo } from './load.ts';
import { findWorkflow, listOrNone, resolveReusable, resolveStepOperation } from './lookups.ts';
import { parseSimpleCondition } from './simple-condition.ts';
import { httpOnlyRoot, isMessageStep } from './receive-steps.ts';
import { checkStepOrder } from './step-order-checks.ts';
import { checkArazzoStructure } from './structure.ts';
import type { Criterion, FailureAction, Parameter, ResolvedOperation, Step, SuccessAction, Workflow } from './types.ts';
import { calledWorkflow, stepOutputNames } from './workflow-checks.ts';
import { resolveWorkflowReference } from './workflow-graph.ts';

/** Checks one workflow (and the document around it), or every workflow when no id is given. */
export function validateForCompilation(loaded: LoadedArazzo, workflowId?: string): void {
  const structure = checkArazzoStructure(loaded.document, loaded.file);
  if (structure.length > 0) throw problemsError(loaded.file, structure);
  const workflows = workflowId === undefined ? loaded.document.workflows : [findWorkflow(loaded, workflowId)];
  const problems: DocumentProblem[] = [];
  for (const workflow of workflows) new WorkflowChecks(loaded, workflow, problems).run();
  if (problems.length > 0) throw problemsError(loaded.file, problems);
}

class WorkflowChecks {
  private readonly where: string;
  private readonly steps: Map<string, Step>;
  /** While checking a workflow step: the workflow it runs, whose outputs `$outputs` reads there. */
  private callee: Workflow | undefined;
  /** While checking a workflow step, its parameters included: the id of the workflow it runs (it makes no HTTP call). */
  private runsWorkflowId: string | undefined;
  /** While checking a step: whether it is an AsyncAPI receive step (reads `$message`, makes no HTTP call). */
  private receiving = false;

  constructor(
    private readonly loaded: LoadedArazzo,
    private readonly workflow: Workflow,
    private readonly problems: DocumentProblem[],
  ) {
    this.where = documentPath(loaded.file, `workflows[${workflow.workflowId}]`);
    this.steps = new Map(workflow.steps.map((step) => [step.stepId, step]));
  }

  private problem(location: string, message: string): void {
    this.problems.push({ location, message });
  }

  /** Runs a look-up that throws ArazzoDocumentError, recording the error as a problem. */
  private attempt<T>(lookup: () => T): T | undefined {
    try {
      return lookup();
    } catch (error) {
      if (!(error instanceof ArazzoDocumentError)) throw error;
      this.problem(error.location, error.message.slice(error.location.length + 2));
      return undefined;
    }
  }

  run(): void {
    const { workflow, where } = this;
    (workflow.dependsOn ?? []).forEach((reference, index) => {
      this.attempt(() => resolveWorkflowReference(this.loaded, reference, documentPath(where, `dependsOn[${index}]`)));
    });
    if (workflow.inputs !== undefined) {
      const patterns = checkSchemaPatterns(workflow.inputs);
      for (const { path, message } of patterns) this.problem(documentPath(where, 'inputs', ...path), message);
      const problem = patterns.length === 0 ? checkInputSchema(workflow.inputs) : undefined;
      if (problem) this.problem(documentPath(where, 'inputs'), `is not a valid JSON Schema (draft 2020-12): ${problem}`);
    }
    const workflowParameters = this.parameters(workflow.parameters, where, false);
    this.actions(workflow.successActions, documentPath(where, 'successActions'), false);
    this.actions(workflow.failureActions, documentPath(where, 'failureActions'), true);
    for (const step of workflow.steps) this.step(step, workflowParameters);
    const report = (location: string, message: string) => this.problem(location, message);
    checkStepOrder(this.loaded, workflow, report);
    checkRefusedFeatures(this.loaded, workflow, report);
    this.outputs(workflow.outputs, where, true);
  }

  private step(step: Step, workflowParameters: Parameter[]): void {
    const where = documentPath(this.where, `steps[${step.stepId}]`);
    const runsWorkflow = step.workflowId !== undefined;
    // A message step's operation and fields are checked by checkAsyncApiStep (feature-refusals); an API call with a
    // stray correlationId is refused there for that field alone, and checked here as the call it is.
    const asyncApi = isMessageStep(this.loaded, step);
    const callee = runsWorkflow ? this.attempt(() => calledWorkflow(this.loaded, step, where)) : undefined;
    // Before the parameters: they are read when the step starts, and no HTTP call happens then or after.
    this.runsWorkflowId = step.workflowId;
    const operation = runsWorkflow || asyncApi ? undefined : this.attempt(() => resolveStepOperation(this.loaded, this.workflow, step));
    const parameters = this.parameters(step.parameters, where, true, !runsWorkflow);
    if (operation) this.pathParameters(operation, [...parameters, ...workflowParameters], where);
    this.callee = callee;
    this.receiving = asyncApi; // a send step is refused by its action alone, not again for each $message it reads
    this.value(step.correlationId, documentPath(where, 'correlationId'));
    if (step.requestBody !== undefined) {
      const body = step.requestBody;
      this.value(body.payload, documentPath(where, 'requestBody', 'payload'));
      if (isJsonTextPayload(body.payload, body.contentType)) {
        const read = readJsonTemplate(body.payload);
        if ('error' in read) this.problem(documentPath(where, 'requestBody', 'payload'), read.error);
      }
      (body.replacements ?? []).forEach((replacement, index) => {
        const at = documentPath(where, 'requestBody', `replacements[${index}]`);
        const problem = checkReplacementTarget(replacement, body);
        if (problem) this.problem(documentPath(at, problem.field), problem.message);
        this.value(replacement.value, documentPath(at, 'value'));
      });
    }
    (step.successCriteria ?? []).forEach((criterion, index) => {
      this.criterion(criterion, documentPath(where, `successCriteria[${index}]`));
    });
    this.actions(step.onSuccess, documentPath(where, 'onSuccess'), false);
    this.actions(step.onFailure, documentPath(where, 'onFailure'), true);
    this.outputs(step.outputs, where, false);
    this.callee = undefined;
    this.runsWorkflowId = undefined;
    // Stryker disable next-line BooleanLiteral: only workflow outputs are checked after the steps, and they refuse $message and HTTP roots before this flag is read
    this.receiving = false;
  }

  private parameters(list: Workflow['parameters'], where: string, stepLevel: boolean, needsLocation = true): Parameter[] {
    // Stryker disable next-line ArrayDeclaration: the list only feeds pathParameters, which reads the entries with in: path; a stray string has none
    const resolved: Parameter[] = [];
    (list ?? []).forEach((item, index) => {
      const at = documentPath(where, `parameters[${index}]`);
      const parameter = this.attempt(() => resolveReusable<Parameter>(this.loaded, item, at));
      if (!parameter) return;
      if (parameter.in === undefined && needsLocation) {
        this.problem(
          documentPath(at, 'in'),
          `is required for "${parameter.name}" because ${stepLevel ? 'the step calls an API operation' : 'workflow parameters apply to operation steps'}; give path, query, header or cookie`,
        );
      }
      this.value(parameter.value, documentPath(at, 'value'));
      resolved.push(parameter);
    });
    return resolved;
  }

  /** Every `{name}` in the operation's path needs a value, or the request URL cannot be built. */
  private pathParameters(operation: ResolvedOperation, parameters: Parameter[], where: string): void {
    const supplied = new Set(parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name));
    for (const match of operation.path.matchAll(/\{([^}]+)\}/g)) {
      if (supplied.has(match[1])) continue;
      this.problem(
        documentPath(where, 'parameters'),
        `${operation.method} ${operation.path} needs path parameter "${match[1]}"; add { name: ${match[1]}, in: path, value: <expression> }`,
      );
    }
  }

  private actions(
    list: Array<SuccessAction | FailureAction | { reference: string }> | undefined,
    where: string,
    /** Failure actions may retry; success actions may not. */
    retryAllowed: boolean,
  ): void {
    // Stryker disable next-line ArrayDeclaration: resolveReusable returns a stray string as it is, and a string has no type, workflowId, stepId or criteria to check
    (list ?? []).forEach((item, index) => {
      const at = `${where}[${index}]`;
      const action = this.attempt(() => resolveReusable<SuccessAction | FailureAction>(this.loaded, item, at));
      if (!action) return;
      if (!retryAllowed && action.type === 'retry') {
        this.problem(documentPath(at, 'type'), 'retry is a failure action; use end or goto in onSuccess/successActions');
      }
      if (action.workflowId !== undefined) {
        this.attempt(() => resolveWorkflowReference(this.loaded, action.workflowId!, documentPath(at, 'workflowId')));
      }
      if (action.stepId !== undefined && !this.steps.has(action.stepId)) {
        this.problem(
          documentPath(at, 'stepId'),
          `"${action.stepId}" is not a step of workflow ${this.workflow.workflowId}; steps are ${listOrNone([...this.steps.keys()])}`,
        );
      }
      (action.criteria ?? []).forEach((criterion, criterionIndex) => {
        this.criterion(criterion, documentPath(at, `criteria[${criterionIndex}]`));
      });
    });
  }

  private criterion(criterion: Criterion, where: string): void {
    const problem = checkCriterionField(criterion);
    if (problem) {
      this.problem(documentPath(where, problem.field), problem.message);
      return;
    }
    // Stryker disable next-line ArrayDeclaration: references skips a string that is not a runtime expression, so a stray entry reports nothing
    const expressions = criterion.context !== undefined ? [criterion.context] : [];
    if (criterion.type === undefined || criterion.type === 'simple') {
      const parsed = parseSimpleCondition(criterion.condition);
      // Stryker disable next-line ConditionalExpression,StringLiteral: checkCriterionField has already refused a simple condition that does not parse (same parser), so parsed is never an error here
      if (!('error' in parsed)) expressions.push(...parsed.expressions);
    } else {
      expressions.push(...embeddedExpressions(criterion.condition).map((embedded) => embedded.text));
    }
    for (const expression of expressions) this.references(expression, where);
  }

  private value(value: unknown, where: string): void {
    for (const problem of checkValueExpressions(value)) this.problem(where, problem);
    for (const expression of expressionsIn(value)) this.references(expression, where);
  }

  private outputs(outputs: Workflow['outputs'], where: string, workflowLevel: boolean): void {
    for (const [name, expression] of Object.entries(outputs ?? {})) {
      // A Selector Object (1.1) reads its context, which the structure check found to be a string (its type and
      // selector: see feature-refusals).
      if (typeof expression === 'string') this.outputExpression(expression, documentPath(where, 'outputs', name), workflowLevel);
      else this.outputExpression(expression.context, documentPath(where, 'outputs', name, 'context'), workflowLevel);
    }
  }

  private outputExpression(expression: string, where: string, workflowLevel: boolean): void {
    const problem = checkExpression(expression);
    if (problem) {
      this.problem(where, `${problem}; an output is a single runtime expression such as $response.body#/id`);
      return;
    }
    const parsed = parseExpression(expression.trim());
    if (workflowLevel && 'expression' in parsed && ['request', 'response', 'statusCode', 'url', 'method', 'message'].includes(parsed.expression.root)) {
      this.problem(where, `"${expression}": workflow outputs are computed after the steps, with no request, response or message; use $steps.<stepId>.outputs.<name>`);
      return;
    }
    this.references(expression, where);
  }

  /** Expressions that can never resolve because they name a step, output or input the document lacks. */
  private references(expression: string, where: string): void {
    const parsed = parseExpression(expression.trim());
    // Stryker disable next-line ConditionalExpression: every caller passes an expression its own check has already parsed (trimmed), so this return only narrows the type
    if (!('expression' in parsed)) return;
    const e = parsed.expression;
    if (e.root === 'steps') {
      const step = this.steps.get(e.stepId);
      if (!step) {
        this.problem(where, `"${expression}" names step "${e.stepId}", which is not in workflow ${this.workflow.workflowId}; steps are ${listOrNone([...this.steps.keys()])}`);
        return;
      }
      const declared = stepOutputNames(this.loaded, step);
      if (e.path.length > 0 && !declaresPrefix(declared, e.path)) {
        this.problem(where, `"${expression}": step ${e.stepId} declares no output "${e.path[0]}"; its outputs are ${listOrNone(declared)}`);
      }
    } else if (e.root === 'outputs') {
      const owner = this.callee ?? this.workflow;
      const declared = Object.keys(owner.outputs ?? {});
      if (!declaresPrefix(declared, e.path)) {
        this.problem(where, `"${expression}": workflow ${owner.workflowId} declares no output "${e.path[0]}"; its outputs are ${listOrNone(declared)}`);
      }
    } else if (this.runsWorkflowId !== undefined && (e.root === 'request' || e.root === 'response' || e.root === 'url' || e.root === 'method')) {
      this.problem(where, `"${expression}": a step that runs workflow ${this.runsWorkflowId} makes no HTTP call; read the workflow's outputs with $outputs.<name>`);
    } else if (e.root === 'message' && !this.receiving) {
      this.problem(where, `"${expression}": only a receive step (action: receive) has a message; read it there and pass it on with an output`);
    } else if (this.receiving && httpOnlyRoot(expression)) {
      this.problem(where, `"${expression}": a receive step makes no HTTP call; read what it received with $message.payload#/<pointer> or $message.header.<name>`);
    } else if (e.root === 'workflows') {
      const id = e.rest.split('.')[0]!;
      const ids = this.loaded.document.workflows.map((workflow) => workflow.workflowId);
      if (!ids.includes(id)) this.problem(where, `"${expression}" names workflow "${id}", which is not in the document; its workflows are ${listOrNone(ids)}`);
    } else if (e.root === 'inputs') {
      const schema = this.workflow.inputs;
      const properties = schema?.properties;
      const open = schema === undefined || schema.additionalProperties === true || typeof schema.additionalProperties === 'object' || schema.patternProperties !== undefined;
      if (open || typeof properties !== 'object' || properties === null) return;
      const declared = Object.keys(properties);
      if (!declaresPrefix(declared, e.path)) {
        this.problem(where, `"${expression}": input "${e.path[0]}" is not declared in workflow ${this.workflow.workflowId}'s inputs.properties (${listOrNone(declared)}); declare it or fix the name`);
      }
    }
  }
}

/** Whether some leading run of the dotted path is a declared name (names may contain dots). */
function declaresPrefix(declared: string[], path: string[]): boolean {
  for (let take = path.length; take >= 1; take--) {
    if (declared.includes(path.slice(0, take).join('.'))) return true;
  }
  return false;
}
