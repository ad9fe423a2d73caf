import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { readAppConfig, stackPropsFromConfig, type ArazzoAppConfig } from '../../lib/app-config.ts';
import { ArazzoWorkflowStack } from '../../lib/arazzo-workflow-stack.ts';
import { projectRoot } from './compile-fixture.ts';

/** The deployment settings of the shipped app (cdk.json), optionally changed, the way `cdk synth` reads them. */
export function shippedConfig(overrides: Record<string, unknown> = {}): ArazzoAppConfig {
  const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  // document, overlay, ... go the way `-c key=value` does; other settings change the `arazzo` object.
  const flat = new Set(['document', 'overlay', 'workflowId', 'existingSecret', 'stackName', 'variant']);
  const arazzo = { ...(cdkJson.context.arazzo as object), ...Object.fromEntries(Object.entries(overrides).filter(([k]) => !flat.has(k))) };
  return readAppConfig((key) => (key === 'arazzo' ? arazzo : flat.has(key) && key in overrides ? overrides[key] : cdkJson.context[key]));
}

export function synthShippedStack(overrides: Record<string, unknown> = {}, app = new App()): ArazzoWorkflowStack {
  const config = shippedConfig(overrides);
  return new ArazzoWorkflowStack(app, config.stackName, {
    ...stackPropsFromConfig(config),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
}
