/**
 * The synthesized definition of a local run, cached by content hash so a repeated `npm start` skips the CDK
 * synth (seconds) and reaches its first request in about a second.
 *
 * The key covers everything the definition is made of: the deployment settings, the document, its overlay and
 * source descriptions, and the project's code and dependencies. Base URLs chosen per run (the simulator's port,
 * `--server`) are compiled as placeholders and put in afterwards, so they do not change the key.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { updateWithFiles } from '../lib/content-hash.ts';
import type { SynthesizedWorkflow } from './synthesize-workflow.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Git-ignored; `ARAZZO_SFN_CACHE_DIR` points elsewhere (tests, benchmarks). */
export function cacheDirectory(): string {
  return process.env.ARAZZO_SFN_CACHE_DIR || path.join(projectRoot, '.cache', 'arazzo-sfn');
}

/** Whatever the synthesized definition can depend on besides the settings and the document's own files. */
const CODE = ['lib', 'lambdas', 'local/synthesize-workflow.ts', 'local/workflow-cache.ts', 'package-lock.json', 'cdk.json'];
/** /2: an entry is written only after its definitions passed validateDefinitions (local-execution.ts). */
const FORMAT = 'arazzo-sfn-definition-cache/2';

/** A base URL that no real server has, replaced after synth by the run's own (`.invalid` never resolves: RFC 2606). */
export const placeholderUrl = (index: number) => `http://arazzo-local-server-${index}.invalid`;

export function workflowCacheKey(settings: unknown, files: readonly string[]): string {
  const hash = createHash('sha256').update(FORMAT).update('\0').update(JSON.stringify(settings)).update('\0');
  for (const file of [...new Set(files.map((f) => path.resolve(f)))].sort()) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return updateWithFiles(hash, projectRoot, CODE).digest('hex').slice(0, 32);
}

export function readCachedWorkflow(key: string): SynthesizedWorkflow | undefined {
  try {
    const entry = JSON.parse(readFileSync(path.join(cacheDirectory(), `${key}.json`), 'utf8')) as { format: string; workflow: SynthesizedWorkflow };
    return entry.format === FORMAT ? entry.workflow : undefined;
  } catch {
    return undefined;
  }
}

export function writeCachedWorkflow(key: string, workflow: SynthesizedWorkflow): void {
  const dir = cacheDirectory();
  mkdirSync(dir, { recursive: true });
  // Written whole, then renamed: a run started meanwhile reads the old entry or the new one, never half of one.
  const temporary = path.join(dir, `${key}.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify({ format: FORMAT, workflow }));
  renameSync(temporary, path.join(dir, `${key}.json`));
}

/** The definition with each placeholder base URL replaced by the run's (trailing slashes dropped, as the compiler does). */
export function withServerUrls(workflow: SynthesizedWorkflow, urls: Record<string, { placeholder: string; url: string }>): SynthesizedWorkflow {
  // The definitions of the workflows it runs (stateMachines) carry plans with the same base URLs.
  let text = JSON.stringify({ definition: workflow.definition, stateMachines: workflow.stateMachines ?? {} });
  for (const { placeholder, url } of Object.values(urls)) {
    // The URL sits in a plan that is itself JSON text inside the definition: escape it for both levels.
    const escaped = JSON.stringify(JSON.stringify(url.replace(/\/+$/, '')).slice(1, -1)).slice(1, -1);
    text = text.split(placeholder).join(escaped);
  }
  const replaced = JSON.parse(text) as Pick<SynthesizedWorkflow, 'definition' | 'stateMachines'>;
  return { ...workflow, ...replaced };
}
