/**
 * Command line of `npm start`. Input flags come from the workflow's input schema (`--prompt`,
 * `--negative-prompt` for negativePrompt, ...), so any document gets them, typed by the schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { JsonSchema } from '../lib/arazzo/types.ts';

export const USAGE = `usage: npm start -- [document.arazzo.yml] [options] [--<input> <value>]...
       npx arazzo-sfn run [document.arazzo.yml] [options] [--<input> <value>]...

Runs the synthesized state machine locally (aws-local-stepfunctions), its Tasks running the real step runner.
Default: the shipped Civitai workflow (cdk.json) against the bundled simulator, real waits.

  --fast                    virtual clock: waits take no real time; the simulator sees the seconds pass
  --live                    call the real API (needs CIVITAI_API_KEY and network) instead of the simulator
  --input <file.json>       workflow inputs from a JSON file (repeatable; later ones and flags override)
  --input <name>=<value>    one workflow input, typed by the input schema (same as --<name> <value>)
  --<input> <value>         one workflow input, e.g. --prompt "a red fox" --quantity 2 (kebab-case works)
  --document <file>         another Arazzo document (or give it first); then --workflow, --server, --secret
  --workflow <id>           workflow of the document
  --overlay <file|none>     overlay applied before compiling (default for the shipped workflow: its overlay)
  --allow-root <dir>        a directory besides the document's own its source descriptions may be read from (repeatable)
  --server <name>=<url>     base URL of a source description (repeatable); a loopback URL never gets a real key
  --secret <input>          input whose value goes to the local secret store, not the state (repeatable)
  --secret-env <input>=<VAR>  a secret input's value from environment variable VAR (repeatable)
  --events <file>           write the execution's event log as JSON
  --outcome <status>        simulator: succeeded | failed | expired | canceled (default succeeded)
  --job-seconds <n>         simulator: seconds the job spends processing (default 10)
  --submit-status <code>    simulator: 202 (default) or 200
  --callbacks               callback-woken waits (cdk.json arazzo.callbacks): the simulator calls the run back
  --callback-delay <s>      simulator: seconds after the job ends before its callback (default 0)
  --callback-loss <0..1>    simulator: share of callbacks lost (default 0; 1 loses every one)
  --callback-copies <n>     simulator: times each callback is sent (default 1)
  --no-cache                synthesize again instead of reusing the cached definition (.cache/arazzo-sfn)
  --quiet                   no progress lines
Outputs go to stdout as JSON (nothing else does); progress and the summary go to stderr.
Exit code: 0 when the run succeeded, 1 when it failed (the error is named), 2 for bad usage or inputs.`;

export interface RunOptions {
  help: boolean;
  noCache: boolean;
  fast: boolean;
  live: boolean;
  quiet: boolean;
  document?: string;
  workflow?: string;
  overlay?: string;
  servers: Record<string, string>;
  secrets: string[];
  /** Secret input name → the environment variable holding its value. */
  secretEnv: Record<string, string>;
  /** Directories besides the document's own that source descriptions may be read from. */
  allowRoots: string[];
  events?: string;
  inputFiles: string[];
  outcome?: string;
  jobSeconds?: number;
  submitStatus?: number;
  /** Callback-woken waits, and how the simulator delivers callbacks. */
  callbacks: boolean;
  callbackDelaySeconds?: number;
  callbackLoss?: number;
  callbackCopies?: number;
  /** Raw `--<input> value` pairs, typed later against the schema. */
  inputFlags: Array<[string, string]>;
}

export class UsageError extends Error {}

const VALUE_OPTIONS = new Set([
  'document', 'workflow', 'overlay', 'allow-root', 'server', 'secret', 'secret-env', 'events', 'input', 'outcome', 'job-seconds', 'submit-status',
  'callback-delay', 'callback-loss', 'callback-copies',
]);
const SWITCHES: Record<string, 'fast' | 'live' | 'quiet' | 'help' | 'noCache' | 'callbacks'> = {
  fast: 'fast', live: 'live', quiet: 'quiet', help: 'help', h: 'help', 'no-cache': 'noCache', callbacks: 'callbacks',
};
const NAME_EQUALS = /^([A-Za-z_$][\w$.-]*)=([\s\S]*)$/;

/** Reads the command line only: nothing here loads the document or synthesizes anything. */
export function parseRunOptions(argv: string[]): RunOptions {
  const options: RunOptions = {
    help: false, noCache: false, fast: false, live: false, quiet: false, callbacks: false, servers: {}, secrets: [], secretEnv: {}, allowRoots: [], inputFiles: [], inputFlags: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (options.document !== undefined) throw new UsageError(`unexpected argument '${arg}'; give one document, and options start with --`);
      options.document = arg;
      continue;
    }
    const [flag, inlineValue] = splitFlag(arg.slice(2));
    const switchName = Object.hasOwn(SWITCHES, flag) ? SWITCHES[flag] : undefined;
    if (switchName) {
      options[switchName] = true;
      continue;
    }
    const value = inlineValue ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${flag} needs a value`);
    if (!VALUE_OPTIONS.has(flag)) {
      options.inputFlags.push([flag, value]);
      continue;
    }
    switch (flag) {
      case 'server': {
        const eq = value.indexOf('=');
        if (eq < 1) throw new UsageError(`--server takes <sourceDescriptionName>=<baseUrl>, got '${value}'`);
        options.servers[value.slice(0, eq)] = checkedBaseUrl(value.slice(0, eq), value.slice(eq + 1));
        break;
      }
      case 'secret':
        options.secrets.push(value);
        break;
      case 'allow-root':
        options.allowRoots.push(value);
        break;
      case 'secret-env': {
        const pair = NAME_EQUALS.exec(value);
        if (!pair || !/^[A-Za-z_]\w*$/.test(pair[2]!)) throw new UsageError(`--secret-env takes <input>=<ENVIRONMENT_VARIABLE>, got '${value}'`);
        options.secretEnv[pair[1]!] = pair[2]!;
        break;
      }
      case 'input': {
        // name=value, unless a file of that name exists.
        const pair = NAME_EQUALS.exec(value);
        if (pair && !existsSync(value)) options.inputFlags.push([pair[1]!, pair[2]!]);
        else options.inputFiles.push(value);
        break;
      }
      case 'job-seconds':
      case 'submit-status': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} takes a number, got '${value}'`);
        if (flag === 'job-seconds') options.jobSeconds = n;
        else if (n === 200 || n === 202) options.submitStatus = n;
        else throw new UsageError(`--submit-status must be 200 or 202, got '${value}'`);
        break;
      }
      case 'callback-delay':
      case 'callback-loss':
      case 'callback-copies': {
        const n = Number(value);
        const ok = value.trim() !== '' && Number.isFinite(n) && n >= 0 && (flag !== 'callback-loss' || n <= 1) && (flag !== 'callback-copies' || (Number.isInteger(n) && n >= 1));
        if (!ok) {
          throw new UsageError(`--${flag} takes ${flag === 'callback-loss' ? 'a share from 0 to 1' : flag === 'callback-copies' ? 'a whole number of at least 1' : 'seconds, 0 or more'}, got '${value}'`);
        }
        if (flag === 'callback-delay') options.callbackDelaySeconds = n;
        else if (flag === 'callback-loss') options.callbackLoss = n;
        else options.callbackCopies = n;
        break;
      }
      default:
        (options as unknown as Record<string, string>)[flag] = value;
    }
  }
  if (options.live && Object.keys(options.servers).length > 0) throw new UsageError('--live calls the document\'s own servers; drop --server');
  return options;
}

function checkedBaseUrl(name: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || /[{}]/.test(text)) {
    throw new UsageError(`--server ${name}=${text}: the base URL must be an absolute http(s) URL such as http://127.0.0.1:4010`);
  }
  return text;
}

/** True for 127.0.0.0/8, ::1 and localhost: a server on this machine, such as a simulator or a mock. */
export function isLoopbackUrl(text: string): boolean {
  const host = new URL(text).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function splitFlag(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

/** Inputs from --input and the input flags, typed by the schema; unknown flags name the inputs there are. */
export function collectInputs(options: RunOptions, schema: JsonSchema, secretInputs: string[]): Record<string, unknown> {
  let inputs: Record<string, unknown> = {};
  for (const file of options.inputFiles) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`--input ${file}: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--input ${file}: must hold a JSON object of workflow inputs`);
    }
    inputs = { ...inputs, ...(parsed as Record<string, unknown>) };
  }
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const byFlag = new Map(Object.keys(properties).flatMap((name) => [[name, name], [kebab(name), name]] as const));
  for (const [flag, raw] of options.inputFlags) {
    const name = byFlag.get(flag);
    if (name === undefined) {
      const secret = secretInputs.find((name) => name === flag || kebab(name) === flag);
      const hint = secret ? ` (${secret} is secret: it comes from the secret store, not a flag; give it with --secret-env ${secret}=<ENV_VAR>)` : '';
      throw new UsageError(`--${flag} is not an input of this workflow${hint}; inputs: ${[...Object.keys(properties)].map((n) => `--${kebab(n)}`).join(' ')}`);
    }
    inputs[name] = typed(raw, properties[name] ?? {}, flag);
  }
  return inputs;
}

function typed(raw: string, schema: JsonSchema, flag: string): unknown {
  const type = schema.type;
  if (type === 'integer' || type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got '${raw}'`);
    return n;
  }
  if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${flag} must be true or false, got '${raw}'`);
    return raw === 'true';
  }
  if (type === 'object' || type === 'array') {
    try {
      return JSON.parse(raw);
    } catch {
      throw new UsageError(`--${flag} must be JSON (${String(type)}), got '${raw}'`);
    }
  }
  return raw;
}

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
