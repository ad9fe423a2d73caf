/**
 * `npm run compile -- <document> [--workflow <id>] [--overlay <file>] [--secret <input>]... [--format asl|mermaid]`,
 * also `npx arazzo-sfn compile <document> …`.
 * Prints the compiled definition on stdout; a message naming the document path on stderr and exit 1 otherwise.
 * `--config` takes the deployment settings (secret inputs, failure ends, idempotency, overlay, allowRoots) from cdk.json.
 * `--allow-root <dir>` lets source descriptions be read from `dir` too (by default only the document's directory tree).
 * `--pin-sources` first fetches the document's https:// source descriptions into pinned copies next to it (the only
 * network access the compiler makes), then compiles from those copies.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { compileOptionsOf, readAppConfig } from '../lib/app-config.ts';
import { loadArazzo } from '../lib/arazzo/load.ts';
import { pinSources } from '../lib/arazzo/pin-sources.ts';
import type { CompileOptions } from '../lib/compile/compile-options.ts';
import { compileWorkflow } from '../lib/compile/compile-workflow.ts';
import { aslToMermaid } from '../lib/compile/mermaid.ts';
import { describeDocument } from '../local/document-help.ts';
import { projectRoot } from '../local/workflow-cache.ts';

const usage = `usage: npm run compile -- <document.yml> [--workflow <id>] [--overlay <file>] [--secret <input>]... [--allow-root <dir>]... [--pin-sources] [--config] [--format asl|mermaid]
       npx arazzo-sfn compile <document.yml> [options]
Prints the state machine definition (ASL JSON, or a Mermaid flowchart); every problem, with where it is, on stderr.
  --pin-sources  fetch the document's https:// source descriptions once into pinned copies next to it, then compile
  --config   take the deployment settings (secret inputs, failure ends, idempotency, overlay, ...) from cdk.json
  --help     this text, and with a document, its workflows, source descriptions and inputs`;

export async function compileFromCommandLine(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    process.stderr.write(`compile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workflow: { type: 'string' },
      overlay: { type: 'string' },
      secret: { type: 'string', multiple: true },
      'allow-root': { type: 'string', multiple: true },
      config: { type: 'boolean' },
      'pin-sources': { type: 'boolean' },
      format: { type: 'string', default: 'asl' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const document = positionals[0];
  const allowRoots = [...(values['allow-root'] ?? [])];
  if (values.help) {
    const overlay = values.overlay && values.overlay !== 'none' ? { overlay: values.overlay } : {};
    const about = document ? `\n\n${describeDocument(loadArazzo(document, { ...overlay, allowRoots }), values.workflow, values.secret ?? [])}` : '';
    process.stdout.write(`${usage}${about}\n`);
    return 0;
  }
  if (!document || positionals.length > 1) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (values.format !== 'asl' && values.format !== 'mermaid') {
    process.stderr.write(`--format must be asl or mermaid, not '${values.format}'\n`);
    return 2;
  }
  let options: CompileOptions = {};
  let overlay = values.overlay;
  const overlays: string[] = [];
  if (values.config) {
    const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
    const config = readAppConfig((key) => cdkJson.context?.[key]);
    const { overlay: configOverlay, allowRoots: configRoots } = config;
    options = compileOptionsOf(config);
    if (config.callbacks?.enabled && config.callbacks.overlay) overlays.push(path.resolve(projectRoot, config.callbacks.overlay));
    overlay ??= configOverlay && path.resolve(projectRoot, configOverlay);
    allowRoots.push(...(configRoots ?? []).map((root) => path.resolve(projectRoot, root)));
  }
  if (values.workflow) options.workflowId = values.workflow;
  if (values.secret) options.secretInputs = values.secret;
  if (values['pin-sources']) {
    for (const pinned of await pinSources(document)) {
      process.stderr.write(`pinned ${pinned.name}: ${pinned.url} → ${pinned.file} (sha256 ${pinned.sha256})\n`);
    }
  }
  const loaded = loadArazzo(document, { ...(overlay && overlay !== 'none' ? { overlay } : {}), overlays, allowRoots });
  const compiled = compileWorkflow(loaded, options);
  process.stdout.write(
    values.format === 'mermaid' ? `${aslToMermaid(compiled.definition)}\n` : `${JSON.stringify(compiled.definition, null, 2)}\n`,
  );
  return 0;
}

