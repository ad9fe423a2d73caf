/**
 * Structural checks of an Arazzo 1.0.x or 1.1.x document: required fields, field types, unknown fields (typos such as
 * `sucessCriteria` would otherwise be ignored silently), unique ids. Hand-written rather than the official
 * JSON Schema so every message names the document path by ids (`workflows[w] › steps[s] › …`) and the fix.
 */
import { documentPath, type DocumentProblem } from './errors.ts';
import { isRecord } from './json-values.ts';

const FIELDS = {
  document: ['arazzo', 'info', 'sourceDescriptions', 'workflows', 'components'],
  info: ['title', 'summary', 'description', 'version'],
  sourceDescription: ['name', 'url', 'type'],
  workflow: ['workflowId', 'summary', 'description', 'inputs', 'dependsOn', 'steps', 'successActions', 'failureActions', 'outputs', 'parameters'],
  step: ['stepId', 'description', 'operationId', 'operationPath', 'workflowId', 'parameters', 'requestBody', 'successCriteria', 'onSuccess', 'onFailure', 'outputs'],
  parameter: ['name', 'in', 'value'],
  reusable: ['reference', 'value'],
  requestBody: ['contentType', 'payload', 'replacements'],
  replacement: ['target', 'value'],
  criterion: ['context', 'condition', 'type'],
  criterionType: ['type', 'version'],
  successAction: ['name', 'type', 'workflowId', 'stepId', 'criteria'],
  failureAction: ['name', 'type', 'workflowId', 'stepId', 'retryAfter', 'retryLimit', 'criteria'],
  components: ['inputs', 'parameters', 'successActions', 'failureActions'],
} as const;

type ObjectKind = keyof typeof FIELDS | 'selector';

/** Fields Arazzo 1.1 adds; in a 1.0 document each is reported as a 1.1 field rather than as a typo. */
const FIELDS_1_1: Partial<Record<ObjectKind, readonly string[]>> = {
  document: ['$self'],
  step: ['timeout', 'dependsOn', 'channelPath', 'correlationId', 'action'],
  successAction: ['parameters'],
  failureAction: ['parameters'],
  replacement: ['targetSelectorType'],
  selector: ['context', 'selector', 'type'],
};

export type ArazzoMinor = '1.0' | '1.1';

/** The feature set a document declares (`arazzo: 1.1.0` → 1.1); patch versions do not matter (spec § Versions). */
export function arazzoMinor(document: unknown): ArazzoMinor {
  const version = isRecord(document) ? document.arazzo : undefined;
  return typeof version === 'string' && /^1\.1\./.test(version) ? '1.1' : '1.0';
}

/** Spec: "SHOULD conform to the regular expression [A-Za-z0-9_\-]+"; enforced because ids appear in runtime expressions. */
const ID = /^[A-Za-z0-9_-]+$/;
const OUTPUT_NAME = /^[a-zA-Z0-9.\-_]+$/;
const COMPONENT_KEY = /^[a-zA-Z0-9.\-_]+$/;

/** The form a string field must take, and the message that says it. */
interface StringFormat {
  pattern: RegExp;
  hint: string;
}

class StructureChecker {
  readonly problems: DocumentProblem[] = [];

  constructor(
    private readonly file: string,
    readonly minor: ArazzoMinor,
  ) {}

  problem(path: string[], message: string): void {
    this.problems.push({ location: documentPath(this.file, ...path), message });
  }

  object(value: unknown, path: string[], kind: ObjectKind): value is Record<string, unknown> {
    if (!isRecord(value)) {
      this.problem(path, `must be an object (${kind})`);
      return false;
    }
    const added = FIELDS_1_1[kind] ?? [];
    const known: readonly string[] = [...(kind === 'selector' ? [] : FIELDS[kind]), ...(this.minor === '1.1' ? added : [])];
    for (const key of Object.keys(value)) {
      if (known.includes(key) || key.startsWith('x-')) continue;
      if (added.includes(key)) {
        this.problem([...path, key], `is an Arazzo 1.1 field, and this document declares arazzo 1.0; declare arazzo: 1.1.0 to use it`);
        continue;
      }
      const suggestion = known.find((field) => field.toLowerCase() === key.toLowerCase() || editDistance(field, key) <= 2);
      this.problem(
        [...path, key],
        `is not a field of the Arazzo ${kind} object${suggestion ? `; did you mean ${suggestion}?` : ''} (allowed: ${known.join(', ')}, or an x- extension)`,
      );
    }
    return true;
  }

  requiredString(parent: Record<string, unknown>, key: string, path: string[], format?: StringFormat): string | undefined {
    const value = parent[key];
    if (value === undefined) {
      this.problem([...path, key], 'is required');
      return undefined;
    }
    return this.optionalString(parent, key, path, format);
  }

  optionalString(parent: Record<string, unknown>, key: string, path: string[], format?: StringFormat): string | undefined {
    const value = parent[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem([...path, key], `must be a string${typeof value === 'number' ? ' (quote it in YAML)' : ''}`);
      return undefined;
    }
    if (format && !format.pattern.test(value)) {
      this.problem([...path, key], `"${value}" ${format.hint}`);
      return undefined;
    }
    return value;
  }

  array(parent: Record<string, unknown>, key: string, path: string[], required: boolean): unknown[] | undefined {
    const value = parent[key];
    if (value === undefined) {
      if (required) this.problem([...path, key], 'is required (a non-empty list)');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.problem([...path, key], 'must be a list');
      return undefined;
    }
    if (required && value.length === 0) this.problem([...path, key], 'must list at least one entry');
    return value;
  }

  map(parent: Record<string, unknown>, key: string, path: string[]): Record<string, unknown> | undefined {
    const value = parent[key];
    if (value === undefined) return undefined;
    if (!isRecord(value)) {
      this.problem([...path, key], 'must be a map of names to values');
      return undefined;
    }
    return value;
  }
}

/** Every structural problem in a parsed Arazzo document; [] when its structure is sound. */
export function checkArazzoStructure(raw: unknown, file: string): DocumentProblem[] {
  const check = new StructureChecker(file, arazzoMinor(raw));
  if (!check.object(raw, [], 'document')) return check.problems;

  if (raw.arazzo === undefined) {
    check.problem(['arazzo'], 'is required: the Arazzo version, e.g. arazzo: 1.1.0');
  } else if (typeof raw.arazzo !== 'string' || !/^1\.[01]\.\d+(-.+)?$/.test(raw.arazzo)) {
    check.problem(['arazzo'], `${JSON.stringify(raw.arazzo)} is not supported: this compiler reads Arazzo 1.0.x and 1.1.x (e.g. arazzo: 1.1.0)`);
  }
  if (check.minor === '1.1') {
    const self = check.optionalString(raw, '$self', []);
    if (self !== undefined && self.includes('#')) check.problem(['$self'], `"${self}" must not contain a fragment (#…) (spec: $self)`);
  }

  if (raw.info === undefined) check.problem(['info'], 'is required (title and version)');
  else if (check.object(raw.info, ['info'], 'info')) {
    check.requiredString(raw.info, 'title', ['info']);
    check.requiredString(raw.info, 'version', ['info']);
    check.optionalString(raw.info, 'summary', ['info']);
    check.optionalString(raw.info, 'description', ['info']);
  }

  const names = new Set<string>();
  check.array(raw, 'sourceDescriptions', [], true)?.forEach((source, index) => {
    const path = [`sourceDescriptions[${index}]`];
    if (!check.object(source, path, 'sourceDescription')) return;
    const name = check.requiredString(source, 'name', path, { pattern: ID, hint: 'must use only letters, digits, _ and -' });
    if (name !== undefined) {
      if (names.has(name)) check.problem([...path, 'name'], `"${name}" is used by another source description; names must be unique`);
      names.add(name);
    }
    check.requiredString(source, 'url', path);
    if (check.minor === '1.1') check.optionalString(source, 'type', path, { pattern: /^(openapi|asyncapi|arazzo)$/, hint: 'must be openapi, asyncapi or arazzo' });
    else check.optionalString(source, 'type', path, { pattern: /^(openapi|arazzo)$/, hint: 'must be openapi or arazzo' });
  });

  const workflowIds = new Set<string>();
  check.array(raw, 'workflows', [], true)?.forEach((workflow, index) => {
    const id = isRecord(workflow) && typeof workflow.workflowId === 'string' ? workflow.workflowId : undefined;
    const path = [`workflows[${id ?? index}]`];
    if (!check.object(workflow, path, 'workflow')) return;
    check.requiredString(workflow, 'workflowId', path, { pattern: ID, hint: 'must use only letters, digits, _ and -' });
    if (id !== undefined) {
      if (workflowIds.has(id)) check.problem([...path, 'workflowId'], `"${id}" is used by another workflow; workflowIds must be unique`);
      workflowIds.add(id);
    }
    checkWorkflow(check, workflow, path);
  });

  if (raw.components !== undefined && check.object(raw.components, ['components'], 'components')) {
    checkComponents(check, raw.components);
  }
  return check.problems;
}

function checkWorkflow(check: StructureChecker, workflow: Record<string, unknown>, path: string[]): void {
  check.optionalString(workflow, 'summary', path);
  check.optionalString(workflow, 'description', path);
  if (workflow.inputs !== undefined && !isRecord(workflow.inputs)) {
    check.problem([...path, 'inputs'], 'must be a JSON Schema object (type: object with properties)');
  }
  check.array(workflow, 'dependsOn', path, false)?.forEach((id, index) => {
    if (typeof id !== 'string') check.problem([...path, `dependsOn[${index}]`], 'must be a workflowId (string)');
  });
  checkParameters(check, workflow, path);
  checkActions(check, workflow, 'successActions', path, 'successAction');
  checkActions(check, workflow, 'failureActions', path, 'failureAction');
  checkOutputs(check, workflow, path);

  const stepIds = new Set<string>();
  check.array(workflow, 'steps', path, true)?.forEach((step, index) => {
    const id = isRecord(step) && typeof step.stepId === 'string' ? step.stepId : undefined;
    const stepPath = [...path, `steps[${id ?? index}]`];
    if (!check.object(step, stepPath, 'step')) return;
    check.requiredString(step, 'stepId', stepPath, { pattern: ID, hint: 'must use only letters, digits, _ and - (it is used in $steps.<stepId> expressions)' });
    if (id !== undefined) {
      if (stepIds.has(id)) check.problem([...stepPath, 'stepId'], `"${id}" is used by another step of this workflow; stepIds must be unique`);
      stepIds.add(id);
    }
    checkStep(check, step, stepPath);
  });
}

function checkStep(check: StructureChecker, step: Record<string, unknown>, path: string[]): void {
  check.optionalString(step, 'description', path);
  const kinds = check.minor === '1.1' ? ['operationId', 'operationPath', 'channelPath', 'workflowId'] : ['operationId', 'operationPath', 'workflowId'];
  const targets = kinds.filter((key) => step[key] !== undefined);
  for (const key of targets) check.optionalString(step, key, path);
  const choices = `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
  if (targets.length === 0) {
    check.problem(path, `needs one of ${choices} saying what the step calls`);
  } else if (targets.length > 1) {
    check.problem(path, `has ${targets.join(' and ')}; give exactly one of ${choices}`);
  }
  if (check.minor === '1.1') checkStep11(check, step, path);
  checkParameters(check, step, path);
  if (step.requestBody !== undefined && check.object(step.requestBody, [...path, 'requestBody'], 'requestBody')) {
    const body = step.requestBody;
    check.optionalString(body, 'contentType', [...path, 'requestBody']);
    check.array(body, 'replacements', [...path, 'requestBody'], false)?.forEach((replacement, index) => {
      const replacementPath = [...path, 'requestBody', `replacements[${index}]`];
      if (!check.object(replacement, replacementPath, 'replacement')) return;
      check.requiredString(replacement, 'target', replacementPath);
      if (replacement.value === undefined) check.problem([...replacementPath, 'value'], 'is required');
    });
  }
  checkCriteriaList(check, step, 'successCriteria', path);
  checkActions(check, step, 'onSuccess', path, 'successAction');
  checkActions(check, step, 'onFailure', path, 'failureAction');
  checkOutputs(check, step, path);
}

/** The step fields Arazzo 1.1 adds. */
function checkStep11(check: StructureChecker, step: Record<string, unknown>, path: string[]): void {
  if (step.timeout !== undefined && (!Number.isInteger(step.timeout) || (step.timeout as number) <= 0)) {
    check.problem([...path, 'timeout'], 'must be a positive whole number of milliseconds');
  }
  check.array(step, 'dependsOn', path, false)?.forEach((id, index) => {
    if (typeof id !== 'string') check.problem([...path, `dependsOn[${index}]`], 'must be a stepId (string)');
  });
  check.optionalString(step, 'action', path, { pattern: /^(send|receive)$/, hint: 'must be send or receive' });
  check.optionalString(step, 'correlationId', path);
}

function checkParameters(check: StructureChecker, parent: Record<string, unknown>, path: string[]): void {
  check.array(parent, 'parameters', path, false)?.forEach((parameter, index) => {
    const parameterPath = [...path, `parameters[${index}]`];
    if (isRecord(parameter) && parameter.reference !== undefined) {
      checkReusable(check, parameter, parameterPath);
      return;
    }
    if (!check.object(parameter, parameterPath, 'parameter')) return;
    checkParameterFields(check, parameter, parameterPath);
  });
}

function checkParameterFields(check: StructureChecker, parameter: Record<string, unknown>, path: string[]): void {
  check.requiredString(parameter, 'name', path);
  if (check.minor === '1.1') {
    check.optionalString(parameter, 'in', path, { pattern: /^(path|query|querystring|header|cookie)$/, hint: 'must be path, query, querystring, header or cookie' });
  } else {
    check.optionalString(parameter, 'in', path, { pattern: /^(path|query|header|cookie)$/, hint: 'must be path, query, header or cookie' });
  }
  if (parameter.value === undefined) check.problem([...path, 'value'], 'is required (a literal or a runtime expression)');
}

function checkReusable(check: StructureChecker, reusable: Record<string, unknown>, path: string[]): void {
  if (!check.object(reusable, path, 'reusable')) return;
  check.requiredString(reusable, 'reference', path, {
    pattern: /^\$components\.(parameters|successActions|failureActions)\.[a-zA-Z0-9.\-_]+$/,
    hint: 'must be $components.parameters.<name>, $components.successActions.<name> or $components.failureActions.<name>',
  });
}

function checkActions(
  check: StructureChecker,
  parent: Record<string, unknown>,
  key: string,
  path: string[],
  kind: 'successAction' | 'failureAction',
): void {
  check.array(parent, key, path, false)?.forEach((action, index) => {
    const actionPath = [...path, `${key}[${index}]`];
    if (isRecord(action) && action.reference !== undefined) {
      checkReusable(check, action, actionPath);
      return;
    }
    if (!check.object(action, actionPath, kind)) return;
    checkActionFields(check, action, actionPath, kind);
  });
}

function checkActionFields(
  check: StructureChecker,
  action: Record<string, unknown>,
  path: string[],
  kind: 'successAction' | 'failureAction',
): void {
  check.requiredString(action, 'name', path);
  const types = kind === 'successAction' ? /^(end|goto)$/ : /^(end|goto|retry)$/;
  check.requiredString(action, 'type', path, { pattern: types, hint: kind === 'successAction' ? 'must be end or goto' : 'must be end, goto or retry' });
  check.optionalString(action, 'stepId', path);
  check.optionalString(action, 'workflowId', path);
  if (action.type === 'goto' && action.stepId === undefined && action.workflowId === undefined) {
    check.problem(path, 'a goto action needs stepId (the step to go to)');
  }
  if (action.stepId !== undefined && action.workflowId !== undefined) {
    check.problem(path, 'has both stepId and workflowId; give one');
  }
  if (action.retryAfter !== undefined && (typeof action.retryAfter !== 'number' || action.retryAfter < 0)) {
    check.problem([...path, 'retryAfter'], 'must be a non-negative number of seconds');
  }
  if (action.retryLimit !== undefined && (!Number.isInteger(action.retryLimit) || (action.retryLimit as number) < 0)) {
    check.problem([...path, 'retryLimit'], 'must be a non-negative integer');
  }
  checkCriteriaList(check, action, 'criteria', path);
}

function checkCriteriaList(check: StructureChecker, parent: Record<string, unknown>, key: string, path: string[]): void {
  check.array(parent, key, path, false)?.forEach((criterion, index) => {
    const criterionPath = [...path, `${key}[${index}]`];
    if (!check.object(criterion, criterionPath, 'criterion')) return;
    check.requiredString(criterion, 'condition', criterionPath);
    check.optionalString(criterion, 'context', criterionPath);
    if (isRecord(criterion.type)) {
      check.object(criterion.type, [...criterionPath, 'type'], 'criterionType');
      check.requiredString(criterion.type, 'type', [...criterionPath, 'type']);
      check.requiredString(criterion.type, 'version', [...criterionPath, 'type']);
    } else {
      check.optionalString(criterion, 'type', criterionPath);
    }
  });
}

function checkOutputs(check: StructureChecker, parent: Record<string, unknown>, path: string[]): void {
  const outputs = check.map(parent, 'outputs', path);
  if (!outputs) return;
  for (const [name, value] of Object.entries(outputs)) {
    if (!OUTPUT_NAME.test(name)) check.problem([...path, 'outputs', name], 'output names may use only letters, digits, ., - and _');
    if (typeof value === 'string') continue;
    if (check.minor === '1.1' && isRecord(value)) {
      check.object(value, [...path, 'outputs', name], 'selector');
      check.requiredString(value, 'context', [...path, 'outputs', name]);
      check.requiredString(value, 'selector', [...path, 'outputs', name]);
      if (value.type === undefined) check.problem([...path, 'outputs', name, 'type'], 'is required (jsonpath, xpath or jsonpointer)');
      continue;
    }
    check.problem(
      [...path, 'outputs', name],
      `must be a runtime expression (string), e.g. $response.body#/id${check.minor === '1.1' ? ', or a Selector Object' : ''}`,
    );
  }
}

function checkComponents(check: StructureChecker, components: Record<string, unknown>): void {
  const path = ['components'];
  for (const kind of ['inputs', 'parameters', 'successActions', 'failureActions'] as const) {
    const entries = check.map(components, kind, path);
    if (!entries) continue;
    for (const [name, value] of Object.entries(entries)) {
      const entryPath = [...path, kind, name];
      if (!COMPONENT_KEY.test(name)) check.problem(entryPath, 'component names may use only letters, digits, ., - and _');
      if (kind === 'inputs') {
        if (!isRecord(value)) check.problem(entryPath, 'must be a JSON Schema object');
      } else if (kind === 'parameters') {
        if (check.object(value, entryPath, 'parameter')) checkParameterFields(check, value, entryPath);
      } else {
        const actionKind = kind === 'successActions' ? 'successAction' : 'failureAction';
        if (check.object(value, entryPath, actionKind)) checkActionFields(check, value, entryPath, actionKind);
      }
    }
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
