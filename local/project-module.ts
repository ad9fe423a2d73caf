/**
 * Loads one of the project's TypeScript modules at run time, by URL, so a bundler leaves it out. The CLI bundle
 * (bin/arazzo-sfn.mjs) runs without tsx, and its rarely needed heavy parts (the CDK synth) are loaded this way:
 * tsx is registered first, then only when one is needed.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from './workflow-cache.ts';

let tsxRegistered = false;

export async function importProjectModule<T>(url: URL): Promise<T> {
  // Replaced by "yes" in the bundle (esbuild `define`); unset under tsx, which already loads TypeScript.
  if (process.env.ARAZZO_SFN_CLI_BUNDLED === 'yes' && !tsxRegistered) {
    const api = createRequire(path.join(projectRoot, 'package.json')).resolve('tsx/esm/api');
    const { register } = (await import(pathToFileURL(api).href)) as { register: () => unknown };
    register();
    tsxRegistered = true;
  }
  return (await import(url.href)) as T;
}
