import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';
import { civitaiDocument, projectRoot } from './support/compile-fixture.ts';

describe('docs/how-it-works.md', () => {
  it('embeds the diagram that npm run compile -- --config --format mermaid prints for the shipped workflow', async () => {
    const page = readFileSync(path.join(projectRoot, 'docs/how-it-works.md'), 'utf8');
    const embedded = /```mermaid\n([\s\S]*?)\n```/.exec(page)?.[1];
    const printed = await runCli('bin/compile.ts', [civitaiDocument, '--config', '--format', 'mermaid']);
    expect(printed.code).toBe(0);
    expect(embedded).toBe(printed.stdout.trimEnd());
  });
});
