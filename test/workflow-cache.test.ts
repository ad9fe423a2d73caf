/**
 * The local runner's definition cache: a cached definition, with the run's base URLs put in, is exactly what a
 * synth with those URLs gives; and the key follows every file and setting the definition is made of.
 */
import { appendFileSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArazzoAppConfig } from '../lib/app-config.ts';
import { synthesizeWorkflow } from '../local/synthesize-workflow.ts';
import { placeholderUrl, readCachedWorkflow, withServerUrls, workflowCacheKey, writeCachedWorkflow } from '../local/workflow-cache.ts';
import { fixture } from './support/compile-fixture.ts';

const shop: ArazzoAppConfig = { stackName: 'CacheTest', document: fixture('shop-order.arazzo.yml'), workflowId: 'place-order', secretInputs: ['token'] };

describe('the local definition cache', () => {
  it('gives, with the run\'s base URL put in, the definition a synth with that URL gives', () => {
    const cached = synthesizeWorkflow({ ...shop, serverUrls: { shop: placeholderUrl(0) } });
    const direct = synthesizeWorkflow({ ...shop, serverUrls: { shop: 'http://127.0.0.1:4321/api' } });
    expect(JSON.stringify(cached.definition)).toContain(placeholderUrl(0));
    const filled = withServerUrls(cached, { shop: { placeholder: placeholderUrl(0), url: 'http://127.0.0.1:4321/api/' } });
    expect(filled).toEqual(direct);
  });

  it('keys entries by the content of the document and its sources and by the settings, not by file dates or the run\'s URLs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arazzo-cache-key-'));
    const document = path.join(dir, 'shop-order.arazzo.yml');
    const source = path.join(dir, 'shop-openapi.yml');
    copyFileSync(fixture('shop-order.arazzo.yml'), document);
    copyFileSync(fixture('shop-openapi.yml'), source);
    const settings = { ...shop, document, serverUrls: { shop: placeholderUrl(0) } };
    const key = workflowCacheKey(settings, [document, source]);
    expect(workflowCacheKey(settings, [source, document])).toBe(key);
    appendFileSync(source, '\n# changed\n');
    const afterSourceChange = workflowCacheKey(settings, [document, source]);
    expect(afterSourceChange).not.toBe(key);
    expect(workflowCacheKey({ ...settings, requestTimeoutMs: 5000 }, [document, source])).not.toBe(afterSourceChange);
  });

  it('reads back what it wrote, and treats a damaged entry as a miss', () => {
    process.env.ARAZZO_SFN_CACHE_DIR = mkdtempSync(path.join(tmpdir(), 'arazzo-cache-'));
    const workflow = { definition: { StartAt: 'A', States: {} }, publicInputSchema: { type: 'object' }, secretInputs: ['token'], stackName: 'S' } as never;
    writeCachedWorkflow('k1', workflow);
    expect(readCachedWorkflow('k1')).toEqual(workflow);
    writeFileSync(path.join(process.env.ARAZZO_SFN_CACHE_DIR, 'k2.json'), '{"format":');
    expect(readCachedWorkflow('k2')).toBeUndefined();
    expect(readCachedWorkflow('absent')).toBeUndefined();
  });
});
