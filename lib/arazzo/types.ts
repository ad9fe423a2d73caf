/**
 * The Arazzo 1.0.x and 1.1.x document model, as far as this project reads it.
 * Field names follow the specification; `x-` extensions are kept as unknown.
 */
import type { SelectorObject } from './selector.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A JSON Schema object as written in a document (draft 2020-12 in Arazzo 1.0). */
export type JsonSchema = { [key: string]: unknown };

export interface ArazzoDocument {
  arazzo: string;
  /** Arazzo 1.1: the document's own URI, and the base URI for its relative references. */
  $self?: string;
  info: { title: string; version: string; summary?: string; description?: string };
  sourceDescriptions: SourceDescription[];
  workflows: Workflow[];
  components?: Components;
}

export interface SourceDescription {
  name: string;
  url: string;
  type?: 'openapi' | 'asyncapi' | 'arazzo';
}

export interface Components {
  inputs?: Record<string, JsonSchema>;
  parameters?: Record<string, Parameter>;
  successActions?: Record<string, SuccessAction>;
  failureActions?: Record<string, FailureAction>;
}

export interface Workflow {
  workflowId: string;
  summary?: string;
  description?: string;
  inputs?: JsonSchema;
  dependsOn?: string[];
  steps: Step[];
  successActions?: Array<SuccessAction | ReusableObject>;
  failureActions?: Array<FailureAction | ReusableObject>;
  /** Runtime expressions; in 1.1 also Selector Objects. */
  outputs?: Record<string, string | SelectorObject>;
  parameters?: Array<Parameter | ReusableObject>;
}

export interface Step {
  stepId: string;
  description?: string;
  operationId?: string;
  operationPath?: string;
  workflowId?: string;
  parameters?: Array<Parameter | ReusableObject>;
  requestBody?: RequestBody;
  successCriteria?: Criterion[];
  onSuccess?: Array<SuccessAction | ReusableObject>;
  onFailure?: Array<FailureAction | ReusableObject>;
  /** Runtime expressions; in 1.1 also Selector Objects. */
  outputs?: Record<string, string | SelectorObject>;
  /** Arazzo 1.1: milliseconds the step's call may take before the step fails. */
  timeout?: number;
  /** Arazzo 1.1: stepIds that must complete before this step runs. */
  dependsOn?: string[];
  /** Arazzo 1.1, AsyncAPI steps (refused): */
  channelPath?: string;
  correlationId?: string;
  action?: 'send' | 'receive';
}

export type ParameterLocation = 'path' | 'query' | 'querystring' | 'header' | 'cookie';

export interface Parameter {
  name: string;
  in?: ParameterLocation;
  /** A literal, a runtime expression, or a string with `{$...}` expressions embedded. */
  value: unknown;
}

export interface ReusableObject {
  reference: string;
  value?: unknown;
}

export interface RequestBody {
  contentType?: string;
  payload?: unknown;
  replacements?: PayloadReplacement[];
}

export interface PayloadReplacement {
  /** A JSON Pointer into a JSON payload, or an XPath into an XML one. */
  target: string;
  /** Arazzo 1.1: jsonpointer, xpath or jsonpath; by default from the content type. */
  targetSelectorType?: string | CriterionExpressionType;
  value: unknown;
}

export type CriterionType = 'simple' | 'regex' | 'jsonpath' | 'xpath';

export interface CriterionExpressionType {
  type: 'jsonpath' | 'xpath' | 'jsonpointer';
  version: string;
}

export interface Criterion {
  context?: string;
  condition: string;
  type?: CriterionType | CriterionExpressionType;
}

export interface SuccessAction {
  name: string;
  type: 'end' | 'goto';
  workflowId?: string;
  stepId?: string;
  criteria?: Criterion[];
}

export interface FailureAction {
  name: string;
  type: 'end' | 'goto' | 'retry';
  workflowId?: string;
  stepId?: string;
  retryAfter?: number;
  retryLimit?: number;
  criteria?: Criterion[];
}

/** An operation found in a source description: enough to build the HTTP request. */
export interface ResolvedOperation {
  sourceDescription: string;
  operationId?: string;
  method: string;
  /** The path template, e.g. `/orders/{orderId}`. */
  path: string;
  /** Server base URL from the OpenAPI description (first server), before deploy-time overrides. */
  serverUrl: string;
}
