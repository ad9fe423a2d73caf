/**
 * The README is what a new user follows from clone to a run in their account: its links must lead somewhere,
 * its sample input must be one the deployed workflow accepts, and the outputs it reads must exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { validateInputs } from '../lib/arazzo/inputs.ts';
import { shippedConfig, synthShippedStack } from './support/civitai-stack.ts';
import { compileFile, projectRoot } from './support/compile-fixture.ts';

const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

describe('the README', () => {
  it('links only to files that exist', () => {
    const pages = ['README.md', ...readdirSync(path.join(projectRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const page of pages) {
      const text = readFileSync(path.join(projectRoot, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(((?!https?:|#)[^)#]+)(#[^)]*)?\)/g)) {
        expect(existsSync(path.resolve(projectRoot, path.dirname(page), target!)), `${page} links to ${target}`).toBe(true);
      }
    }
  });

  it('offers a sample input that the deployed workflow accepts, and that holds no secret input', () => {
    const samplePath = /\[`(workflows\/inputs\/[^`]+\.json)`\]/.exec(readme)?.[1];
    expect(samplePath).toBeDefined();
    const sample = JSON.parse(readFileSync(path.join(projectRoot, samplePath!), 'utf8')) as Record<string, unknown>;
    const config = shippedConfig();
    const compiled = compileFile(path.join(projectRoot, config.document), config, config.overlay && path.join(projectRoot, config.overlay));
    expect(validateInputs(compiled.publicInputSchema, sample)).toEqual([]);
    expect(Object.keys(sample).filter((k) => compiled.secretInputs.includes(k))).toEqual([]);
    // The README shows the sample inline too, for pasting into the console: the two must agree.
    const inline = /```json\n([\s\S]*?)\n```/.exec(readme.slice(readme.indexOf(samplePath!)))?.[1];
    expect(JSON.parse(inline ?? 'null')).toEqual(sample);
  });

  it('reads only stack outputs that the stack has, from the stack the outputs file is keyed by', () => {
    const template = Template.fromStack(synthShippedStack({}, new App()));
    const outputs = Object.keys(template.toJSON().Outputs as object);
    const used = [...readme.matchAll(/\$\(out (\w+)\)|out (\w+)\)/g)].map((m) => m[1] ?? m[2]);
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(outputs, `README reads output ${name}`).toContain(name);
    expect(readme).toContain(`STACK=${shippedConfig().stackName}`);
  });
});
