#!/usr/bin/env node
// `npx arazzo-sfn run|compile …`, and `npm start` / `npm run compile`, from the checkout, in any working directory.
//
// Plain JavaScript on purpose: it runs the TypeScript CLI (bin/arazzo-sfn.ts) from one esbuild bundle, cached by the
// content hash of everything the bundle is built from, so a repeated start loads one file instead of starting tsx
// and transpiling a hundred modules (about a second of CPU). The first start after a change builds the bundle; if
// that fails for any reason the CLI runs through tsx as before. The CDK synth is left out of the bundle (it is
// needed only on a definition-cache miss, and loads tsx then: local/project-module.ts).
import { createHash } from 'node:crypto';
import { enableCompileCache } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Bump when the way the bundle is built changes. */
const BUNDLE_FORMAT = 'arazzo-sfn-cli-bundle/1';
/** What the bundle is built from: the CLI's code and, through the lock file, its dependencies' versions. */
const BUNDLE_SOURCES = ['bin', 'lib', 'local', 'package-lock.json', 'tsconfig.json'];

/** The same directory as the definition cache (local/workflow-cache.ts). */
const cacheDirectory = () => process.env.ARAZZO_SFN_CACHE_DIR || path.join(projectRoot, '.cache', 'arazzo-sfn');

/** sha256 over each source file's path and bytes, in sorted order; and over the project's location (see below). */
function sourcesHash() {
  const hash = createHash('sha256').update(`${BUNDLE_FORMAT}\0${projectRoot}\0`);
  const files = BUNDLE_SOURCES.flatMap((entry) => {
    const full = path.join(projectRoot, entry);
    if (!existsSync(full)) return [];
    if (!statSync(full).isDirectory()) return [entry];
    return readdirSync(full, { recursive: true, withFileTypes: true })
      .filter((dirent) => dirent.isFile())
      .map((dirent) => path.relative(projectRoot, path.join(dirent.parentPath, dirent.name)));
  });
  for (const file of files.sort()) hash.update(file).update('\0').update(readFileSync(path.join(projectRoot, file))).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/**
 * Bundles bin/arazzo-sfn.ts into `outfile`. The bundle's modules keep their own `import.meta.url` (each is replaced by
 * its source file's URL, so paths found from it point into the checkout wherever the bundle lives: the project's
 * location is part of the hash for that reason). Modules loaded through local/project-module.ts stay outside.
 */
async function buildBundle(outfile) {
  const { build } = await import('esbuild');
  const keepModuleUrls = {
    name: 'keep-module-urls',
    setup(plugin) {
      plugin.onLoad({ filter: /\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      }));
    },
  };
  await build({
    entryPoints: [path.join(projectRoot, 'bin/arazzo-sfn.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // The few CommonJS dependencies call `require`.
    banner: { js: "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);" },
    plugins: [keepModuleUrls, lazyAwsSdk],
    define: { 'process.env.ARAZZO_SFN_CLI_BUNDLED': '"yes"' },
    logLevel: 'silent',
  });
}

/**
 * aws-local-stepfunctions imports the AWS SDK's Lambda client (and a credential provider) to call real Lambda
 * functions for Tasks that have no local handler. The local runner gives every Task one, yet loading the SDK takes
 * about 0.1 s of each start: in the bundle, these names load it on first use instead, from where the interpreter
 * would have.
 */
const LAZY_AWS_SDK = {
  '@aws-sdk/client-lambda': { classes: ['LambdaClient', 'InvokeCommand'], functions: [] },
  '@aws-sdk/credential-providers': { classes: [], functions: ['fromCognitoIdentityPool'] },
};
const lazyAwsSdk = {
  name: 'lazy-aws-sdk',
  setup(plugin) {
    plugin.onResolve({ filter: /^@aws-sdk\/(client-lambda|credential-providers)$/ }, (args) =>
      args.importer.includes(`${path.sep}aws-local-stepfunctions${path.sep}`)
        ? { path: args.path, namespace: 'lazy-aws-sdk', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-aws-sdk' }, (args) => {
      const { classes, functions } = LAZY_AWS_SDK[args.path];
      const from = JSON.stringify(path.join(args.pluginData.resolveDir, 'package.json'));
      return {
        loader: 'js',
        contents: [
          "import { createRequire } from 'node:module';",
          `let sdk; const load = () => (sdk ??= createRequire(${from})(${JSON.stringify(args.path)}));`,
          ...classes.map((name) => `export class ${name} { constructor(...args) { return new (load().${name})(...args); } }`),
          ...functions.map((name) => `export function ${name}(...args) { return load().${name}(...args); }`),
        ].join('\n'),
      };
    });
  },
};

/** The cached bundle's path, built first when missing; undefined when it cannot be built. */
async function cliBundle() {
  if (process.env.ARAZZO_SFN_NO_BUNDLE) return undefined;
  const directory = cacheDirectory();
  const bundle = path.join(directory, `cli-${sourcesHash()}.mjs`);
  if (existsSync(bundle)) return bundle;
  try {
    mkdirSync(directory, { recursive: true });
    // Built aside, then renamed: a start running meanwhile sees no bundle or a whole one.
    const temporary = path.join(directory, `cli-${process.pid}.tmp.mjs`);
    await buildBundle(temporary);
    renameSync(temporary, bundle);
    for (const old of readdirSync(directory).filter((name) => /^cli-[0-9a-f]{32}\.mjs$/.test(name) && name !== path.basename(bundle))) {
      rmSync(path.join(directory, old), { force: true });
    }
    return bundle;
  } catch {
    return undefined;
  }
}

const bundle = await cliBundle();
// V8 keeps the bundle's compiled code next to it: a repeated start skips parsing and compiling 4 MB of JavaScript.
if (bundle) enableCompileCache?.(path.join(cacheDirectory(), 'v8-compile-cache'));
const { main } = bundle
  ? await import(pathToFileURL(bundle).href)
  : await (async () => {
      (await import('tsx/esm/api')).register();
      return import('./arazzo-sfn.ts');
    })();
await main(process.argv.slice(2));
