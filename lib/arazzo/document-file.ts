/**
 * The one gate through which the compiler reads a YAML or JSON document from disk (synth time only; the step
 * runner never reads files). A document is untrusted input: the files it names are read only when they are
 * regular files inside an allowed root, and no message ever repeats what a file contains.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { ArazzoDocumentError } from './errors.ts';

/** Larger than any OpenAPI description seen in practice; a file above it is refused before it is parsed. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Deeper than any real document; a deeper one is refused before recursive code walks it. */
export const MAX_DOCUMENT_DEPTH = 200;

/** Kernel and device file systems: never a document, whatever the roots say. */
const SYSTEM_TREES = ['/dev', '/proc', '/sys'];

export interface DocumentFileAccess {
  /** What the file is, for messages: `Arazzo document`, `source description "api"`, `overlay`. */
  what: string;
  /**
   * Directories the file must be inside (after symlinks and `..` are resolved). Undefined for a file the
   * operator named (the document itself, an overlay): then only the regular-file rules apply.
   */
  roots?: readonly string[];
  /** The document path of the field that named the file (e.g. `doc.yml › sourceDescriptions[api] › url`); errors start with it. */
  field?: string;
  /** How the field wrote the reference, when it differs from `file` (a relative path or file: URL). */
  reference?: string;
}

/**
 * Reads and parses a YAML or JSON file (JSON is YAML 1.2) through the gate: a regular file, not under /dev,
 * /proc or /sys, inside one of `roots` when given, at most MAX_DOCUMENT_BYTES, nested at most
 * MAX_DOCUMENT_DEPTH. Errors name the field (or the file), the rule and the fix; never the content.
 */
export function readDocumentFile(file: string, access: DocumentFileAccess): unknown {
  const text = readGatedText(file, access);
  const location = access.field ?? file;
  let parsed: unknown;
  try {
    // Stryker disable next-line StringLiteral: yaml acts only on the log levels 'silent', 'warn' and 'debug', so '' behaves as 'error'
    parsed = parse(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  } catch (error) {
    throw new ArazzoDocumentError(location, `${fileNamed(file, access, ' ')}is not valid YAML or JSON (${parseProblem(text, error)}); fix it there`);
  }
  if (nestingDepth(parsed, MAX_DOCUMENT_DEPTH) > MAX_DOCUMENT_DEPTH) {
    throw new ArazzoDocumentError(
      location,
      `${fileNamed(file, access, ' ')}nests objects and arrays more than ${MAX_DOCUMENT_DEPTH} levels deep; flatten it`,
    );
  }
  return parsed;
}

/** The gate without the parse: the file's text, or an ArazzoDocumentError saying which rule refused it. */
export function readGatedText(file: string, access: DocumentFileAccess): string {
  const location = access.field ?? file;
  const refuse = (reason: string): never => {
    throw new ArazzoDocumentError(location, `${fileNamed(file, access, ': ')}${reason}`);
  };
  const absolute = resolve(file);
  const underSystemTree = (path: string) => SYSTEM_TREES.find((tree) => isInside(path, tree));
  const systemTreeRefusal = (tree: string) =>
    refuse(`is under ${tree}, which holds devices and kernel files, never a document; save the ${access.what} as a file next to the document`);
  const named = underSystemTree(absolute);
  if (named !== undefined) return systemTreeRefusal(named);
  let real: string;
  let stats: Stats;
  try {
    real = realpathSync(absolute);
    stats = statSync(real);
  } catch (error) {
    const code = errnoCode(error);
    return refuse(code === 'ENOENT' || code === 'ENOTDIR' ? `cannot read the ${access.what} (no such file); check the path` : `cannot read the ${access.what} (${code}); check the path and its permissions`);
  }
  const systemTree = underSystemTree(real);
  if (systemTree !== undefined) return systemTreeRefusal(systemTree);
  if (!stats.isFile()) return refuse(`is ${kindOf(stats)}, not a regular file; give the path of a YAML or JSON file`);
  if (access.roots !== undefined) {
    const roots = access.roots.map(realRoot);
    if (!roots.some((root) => root !== undefined && isInside(real, root))) {
      const via = real === absolute ? '' : ` (it resolves to ${real})`;
      return refuse(
        `is outside the directories the compiler may read${via}: ${access.roots.map((root) => resolve(root)).join(', ')}. ` +
          'Move the file next to the document, or allow its directory: --allow-root <dir> on npm run compile / npm start, or "allowRoots" in cdk.json\'s arazzo settings',
      );
    }
  }
  if (stats.size > MAX_DOCUMENT_BYTES) return refuse(`is ${stats.size} bytes; documents over ${MAX_DOCUMENT_BYTES} bytes are refused`);

  // O_NONBLOCK so that a file swapped for a FIFO after the check cannot block the open; fstat re-checks what was opened.
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    return refuse(`cannot read the ${access.what} (${errnoCode(error)}); check its permissions`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) return refuse('changed while it was being read; try again');
    // One byte more than the file had when opened: a byte read there means it grew while it was being read.
    const buffer = Buffer.alloc(Math.min(opened.size, MAX_DOCUMENT_BYTES) + 1);
    let length = 0;
    // Stryker disable next-line EqualityOperator: once the buffer is full, one more read asks for 0 bytes, gets 0 and ends the loop
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_DOCUMENT_BYTES) return refuse(`grew past ${MAX_DOCUMENT_BYTES} bytes while it was being read`);
    if (length > opened.size) return refuse('changed while it was being read; try again');
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The roots a document's references may reach: its own directory, then the operator's allow-list. */
export function documentRoots(documentFile: string, allowRoots: readonly string[] = []): string[] {
  return [resolve(documentFile, '..'), ...allowRoots.map((root) => resolve(root))];
}

/**
 * The file as a message names it after the location, then `separator`: nothing when the location is the file
 * itself (a file the operator named), else the file as the field wrote it.
 */
function fileNamed(file: string, access: DocumentFileAccess, separator: string): string {
  if (access.field === undefined) return '';
  const reference = access.reference ?? file;
  if (reference === file) return `${file}${separator}`;
  return `"${reference}" (${file})${separator}`;
}

/** Node's file-system calls fail with an ErrnoException, which always has a code. */
function errnoCode(error: unknown): string {
  return String((error as NodeJS.ErrnoException).code);
}

function realRoot(root: string): string | undefined {
  try {
    return realpathSync(resolve(root));
  } catch {
    // a root that cannot be resolved is no root
  }
  return undefined;
}

/** Both paths are absolute and normalized; a directory is inside itself (`relative` gives ''). */
function isInside(path: string, directory: string): boolean {
  const rel = relative(directory, path);
  return !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  // What is left once stat has followed links: a character or block device (Linux has no other kind of file).
  return 'a device';
}

/**
 * Where and what kind of syntax error, in the parser's own wording up to its first colon: what follows one
 * quotes the document (`Block scalar header includes extra characters: |<the rest of the line>`).
 */
function parseProblem(text: string, error: unknown): string {
  if (error instanceof YAMLParseError) {
    const [line, column] = lineAndColumn(text, error.pos[0]);
    if (error.code === 'RESOURCE_EXHAUSTION') return `line ${line}, column ${column}: nested too deeply to parse`;
    return `line ${line}, column ${column}: ${error.message.split(':')[0]} [${error.code}]`;
  }
  // Anything else (an unresolved alias, say) names document text in its message, so only its kind is given.
  return `${(error as Error).name} while parsing`;
}

function lineAndColumn(text: string, offset: number): [number, number] {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return [line, offset - before.lastIndexOf('\n')];
}

/** How deep objects and arrays nest, counted without recursion and without looking past `limit + 1`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    // Stryker disable next-line ConditionalExpression: stopping here only saves the rest of the walk; the depth returned is above the limit either way
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
