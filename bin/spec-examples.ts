/**
 * `npx tsx bin/spec-examples.ts <Arazzo-Specification checkout or git directory>`
 * Compiles every workflow of the specification repository's own examples (examples/<version>/*.arazzo.yaml and
 * *-arazzo.yaml) and prints one line per workflow: compiled, or the first problem. Nothing is copied into this
 * repository: a git directory (such as the `fetch` tool's snapshot) is read with `git show` into a scratch
 * directory that is removed afterwards. Each source description is pointed at https://api.example.test, so a
 * result depends on the Arazzo document alone. docs/arazzo-compliance.md records the results and why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArazzoDocumentError, loadArazzo } from '../lib/arazzo/load.ts';
import { compileWorkflow } from '../lib/compile/compile-workflow.ts';

export interface ExampleResult {
  /** examples/<version>/<file> */
  document: string;
  workflowId?: string;
  compiled: boolean;
  /** Every problem, without the scratch directory's path. */
  problem?: string;
  /** Source URLs into this same repository that were read from the snapshot, as a pinned copy would be. */
  pinned?: string[];
}

/** Examples name their sources by this repository's raw URL; the snapshot holds the same files. */
const OWN_RAW_URL = 'https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/';

const EXAMPLE = /^examples\/[^/]+\/[^/]+\.(ya?ml|json)$/;

/** The example files of a checkout or a git directory, copied into `into`; returns their repository paths. */
function gatherExamples(source: string, into: string): string[] {
  if (existsSync(path.join(source, 'examples'))) {
    const files = readdirSync(path.join(source, 'examples'), { recursive: true, encoding: 'utf8' })
      .map((file) => `examples/${file.split(path.sep).join('/')}`)
      .filter((file) => EXAMPLE.test(file));
    for (const file of files) copy(file, execFileSync('cat', [path.join(source, file)]), into);
    return files;
  }
  const listed = execFileSync('git', ['--git-dir', source, 'ls-tree', '-r', '--name-only', 'HEAD', 'examples'], { encoding: 'utf8' });
  const files = listed.split('\n').filter((file) => EXAMPLE.test(file));
  for (const file of files) copy(file, execFileSync('git', ['--git-dir', source, 'show', `HEAD:${file}`]), into);
  return files;
}

function copy(file: string, content: Buffer, into: string): void {
  mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
  writeFileSync(path.join(into, file), content);
}

function isArazzoDocument(file: string): boolean {
  return /arazzo\.ya?ml$|arazzo\.json$/.test(path.basename(file));
}

export function compileSpecExamples(source: string): ExampleResult[] {
  const scratch = mkdtempSync(path.join(tmpdir(), 'arazzo-spec-examples-'));
  const strip = (text: string) => text.split(`${scratch}/`).join('');
  try {
    const results: ExampleResult[] = [];
    for (const document of gatherExamples(source, scratch).filter(isArazzoDocument)) {
      const file = path.join(scratch, document);
      const pinned = pinOwnUrls(file, scratch);
      let loaded;
      try {
        loaded = loadArazzo(file);
      } catch (error) {
        results.push({ document, compiled: false, problem: strip(describe(error)), ...(pinned.length ? { pinned } : {}) });
        continue;
      }
      const serverUrls = Object.fromEntries(loaded.document.sourceDescriptions.map((s) => [s.name, 'https://api.example.test']));
      for (const workflow of loaded.document.workflows) {
        try {
          compileWorkflow(loaded, { workflowId: workflow.workflowId, serverUrls });
          results.push({ document, workflowId: workflow.workflowId, compiled: true, ...(pinned.length ? { pinned } : {}) });
        } catch (error) {
          results.push({ document, workflowId: workflow.workflowId, compiled: false, problem: strip(describe(error)), ...(pinned.length ? { pinned } : {}) });
        }
      }
    }
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Rewrites source URLs into this repository (OWN_RAW_URL) to the snapshot's copy; returns the URLs rewritten. */
function pinOwnUrls(file: string, scratch: string): string[] {
  const text = readFileSync(file, 'utf8');
  const pinned: string[] = [];
  const rewritten = text.replace(/url:\s*(\S+)/g, (whole, url: string) => {
    if (!url.startsWith(OWN_RAW_URL)) return whole;
    const local = path.join(scratch, url.slice(OWN_RAW_URL.length));
    if (!existsSync(local)) return whole;
    pinned.push(url);
    return `url: ${path.relative(path.dirname(file), local)}`;
  });
  if (pinned.length > 0) writeFileSync(file, rewritten);
  return pinned;
}

function describe(error: unknown): string {
  if (error instanceof ArazzoDocumentError) return error.problems.join("\n          ");
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const source = process.argv[2];
  if (!source) {
    process.stderr.write('usage: npx tsx bin/spec-examples.ts <Arazzo-Specification checkout or git directory>\n');
    process.exit(2);
  }
  for (const result of compileSpecExamples(source)) {
    const name = `${result.document}${result.workflowId ? ` › ${result.workflowId}` : ''}`;
    const pinned = result.pinned ? ` (read ${result.pinned.join(', ')} from the snapshot)` : '';
    process.stdout.write(result.compiled ? `compiled  ${name}${pinned}\n` : `refused   ${name}${pinned}\n          ${result.problem}\n`);
  }
}
