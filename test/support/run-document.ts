/**
 * Compiles an Arazzo document and runs it with the local ASL interpreter on virtual time, every source
 * description pointed at a test server on 127.0.0.1: the same path `npm start --document` takes.
 */
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { compileWorkflow, type CompiledWorkflow } from '../../lib/compile/compile-workflow.ts';
import { VirtualClock } from '../../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../../local/local-execution.ts';

export function compileFor(file: string, baseUrl: string, options: CompileOptions = {}, allowRoots: string[] = []): CompiledWorkflow {
  const loaded = loadArazzo(file, { allowRoots });
  const serverUrls = Object.fromEntries(loaded.document.sourceDescriptions.map((source) => [source.name, baseUrl]));
  return compileWorkflow(loaded, { serverUrls, ...options });
}

export async function runDocument(
  file: string,
  baseUrl: string,
  run: { input?: Record<string, unknown>; secrets?: Record<string, string>; options?: CompileOptions; allowRoots?: string[] } = {},
): Promise<LocalExecutionResult> {
  const compiled = compileFor(file, baseUrl, run.options, run.allowRoots);
  return executeLocally({
    definition: compiled.definition,
    input: run.input ?? {},
    secrets: run.secrets ?? {},
    clock: new VirtualClock(),
    random: () => 0.5,
  });
}
