import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../lib/compile/asl.ts';
import { runCli } from './support/cli.ts';
import { civitaiDocument, civitaiOverlay, fixture, workflowsRoot } from './support/compile-fixture.ts';

const pollPlan = (definition: AslDefinition) => {
  const poll = definition.States.pollWorkflow;
  return poll?.Type === 'Task' ? (poll.Parameters.Payload as { plan: string }).plan : '';
};

describe('npm run compile', () => {
  it('prints the definition of the seed as written, and with the overlay', async () => {
    const seed = await runCli('bin/compile.ts', [civitaiDocument, '--allow-root', workflowsRoot, '--secret', 'apiKey']);
    expect(seed.code).toBe(0);
    const seedDefinition = JSON.parse(seed.stdout) as AslDefinition;
    expect(seedDefinition.StartAt).toBe('Start');
    expect(pollPlan(seedDefinition)).not.toContain("'scheduled'");

    const overlaid = await runCli('bin/compile.ts', [civitaiDocument, '--allow-root', workflowsRoot, '--overlay', civitaiOverlay, '--workflow', 'image-generation-poll']);
    expect(overlaid.code).toBe(0);
    expect(pollPlan(JSON.parse(overlaid.stdout) as AslDefinition)).toContain("'scheduled'");
  });

  it('compiles a document with an xpath criterion (XPath is supported), and refuses XPath 2.0 syntax naming where it is', async () => {
    const result = await runCli('bin/compile.ts', [fixture('xpath.arazzo.yml')]);
    expect(result.code).toBe(0);
    const read = (JSON.parse(result.stdout) as AslDefinition).States.read;
    expect(read?.Type === 'Task' ? (read.Parameters.Payload as { plan: string }).plan : '').toContain('"type":"xpath"');

    const refused = await runCli('bin/compile.ts', [fixture('xpath-2.arazzo.yml')]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/xpath-2\.arazzo\.yml.*check.*read.*successCriteria\[0\].*is not an XPath expression this compiler can evaluate/s);
  });

  it('prints a Mermaid flowchart with the loop visible', async () => {
    const result = await runCli('bin/compile.ts', [civitaiDocument, '--allow-root', workflowsRoot, '--overlay', civitaiOverlay, '--format', 'mermaid']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^flowchart TD/);
    expect(result.stdout).toContain('stillRunning');
    expect(result.stdout).toContain('Wait before pollWorkflow');
  });
});
