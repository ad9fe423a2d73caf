/**
 * The part of `--help` that depends on the document: its source descriptions (the names `--server` takes)
 * and its workflow's inputs (the flags a run takes), read from the document without synthesizing anything.
 */
import * as path from 'node:path';
import type { LoadedArazzo } from '../lib/arazzo/load.ts';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import { kebab } from './run-options.ts';

export function describeDocument(loaded: LoadedArazzo, workflowId: string | undefined, secretInputs: readonly string[]): string {
  const workflow = (workflowId ? loaded.document.workflows.find((w) => w.workflowId === workflowId) : undefined) ?? loaded.document.workflows[0]!;
  const shown = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));
  const lines = [`Document ${shown(loaded.file)}${loaded.overlay ? ` (overlay ${shown(loaded.overlay)})` : ''}, workflow ${workflow.workflowId}`];
  lines.push(`  workflows: ${loaded.document.workflows.map((w) => w.workflowId).join(', ')}`);
  lines.push('  source descriptions (--server <name>=<url>):');
  for (const source of loaded.document.sourceDescriptions) {
    const servers = [...new Set((loaded.sources[source.name]?.operations ?? []).map((o) => o.serverUrl).filter(Boolean))];
    lines.push(`    ${source.name}  ${servers.join(', ') || '(no server: give --server)'}`);
  }
  const schema = (workflow.inputs ?? {}) as JsonSchema;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  lines.push('  inputs (--<input> <value> or --input <name>=<value>):');
  for (const [name, property] of Object.entries(properties)) {
    const secret = secretInputs.includes(name);
    const type = typeof property.type === 'string' ? property.type : 'value';
    const flag = secret ? `${name} (secret: --secret-env ${name}=<ENV_VAR>)` : `--${kebab(name)} <${type}>`;
    const description = typeof property.description === 'string' ? `  ${property.description}` : '';
    lines.push(`    ${flag}${required.has(name) ? ' (required)' : ''}${description}`);
  }
  return lines.join('\n');
}
