import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import aslValidator from 'asl-validator';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { AslDefinition } from '../../lib/compile/asl.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { compileWorkflow, type CompiledWorkflow } from '../../lib/compile/compile-workflow.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string) => path.join(projectRoot, 'test/fixtures/compile', name);
export const civitaiDocument = path.join(projectRoot, 'workflows/arazzo/civitai-image-generation-poll-workflow.yml');
export const civitaiOverlay = path.join(projectRoot, 'workflows/overlays/civitai-overlay.yml');
/** The shipped document reads its OpenAPI description from a sibling directory, allowed as cdk.json allows it. */
export const workflowsRoot = path.join(projectRoot, 'workflows');

export function compileFile(file: string, options: CompileOptions = {}, overlay?: string): CompiledWorkflow {
  return compileWorkflow(loadArazzo(file, { ...(overlay ? { overlay } : {}), allowRoots: [workflowsRoot] }), options);
}

/** asl-validator annotates what it is given, so it gets a copy. */
export function validateAsl(definition: AslDefinition): string[] {
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: false });
  return result.isValid ? [] : result.errors.map((e) => JSON.stringify(e));
}
