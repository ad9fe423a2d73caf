/**
 * `npm run compile -- --pin-sources doc.yml`: fetches each remote source description of a document once and
 * pins it (see pinned-sources.ts). The only place the compiler touches the network, and only when asked.
 *
 * Rules: `https://` only (plain `http://` only to a loopback address, for local servers and tests); a 2xx answer
 * of at most MAX_DOCUMENT_BYTES that parses as YAML or JSON; a 30 s deadline. Nothing is written unless every
 * remote source was fetched, so a failed pin never leaves a half-updated lock file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { MAX_DOCUMENT_BYTES, readDocumentFile } from './document-file.ts';
import { ArazzoDocumentError, documentPath } from './errors.ts';
import { isRecord } from './json-values.ts';
import { lockFileOf, PINNED_SOURCES_DIRECTORY, sha256, type PinnedSource, type SourcesLock } from './pinned-sources.ts';

const FETCH_TIMEOUT_MS = 30_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface PinnedResult extends PinnedSource {
  name: string;
}

/** Fetches and pins every remote source description of `documentFile`; returns what was pinned. */
export async function pinSources(documentFile: string, fetchFn: typeof fetch = globalThis.fetch): Promise<PinnedResult[]> {
  const raw = readDocumentFile(documentFile, { what: 'Arazzo document' }) as { sourceDescriptions?: unknown; $self?: unknown };
  // Stryker disable next-line ArrayDeclaration: a list of one string would be skipped like any entry without name and url
  const sources = Array.isArray(raw?.sourceDescriptions) ? (raw.sourceDescriptions as Array<{ name?: unknown; url?: unknown }>) : [];
  // The same base URI the loader resolves against: an Arazzo 1.1 $self, else the document's own location.
  const base = typeof raw?.$self === 'string' && URL.canParse(raw.$self, pathToFileURL(documentFile)) ? new URL(raw.$self, pathToFileURL(documentFile)) : pathToFileURL(documentFile);
  const fetched: Array<{ result: PinnedResult; text: string }> = [];
  for (const [index, source] of sources.entries()) {
    if (typeof source?.name !== 'string' || typeof source.url !== 'string') continue;
    const field = documentPath(documentFile, `sourceDescriptions[${index}]`, 'url');
    let url: URL;
    try {
      url = new URL(source.url, base);
    } catch {
      throw new ArazzoDocumentError(field, `"${source.url}" is not a URL or relative path`);
    }
    if (url.protocol === 'file:') continue;
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new ArazzoDocumentError(field, `${url.href} is not an https:// URL; only https sources are pinned (plain http only from a loopback address)`);
    }
    const text = await fetchText(url, fetchFn, field);
    const extension = ['.json', '.yaml', '.yml'].includes(extname(url.pathname).toLowerCase()) ? extname(url.pathname).toLowerCase() : '.yaml';
    const file = `${PINNED_SOURCES_DIRECTORY}/${source.name}${extension}`;
    fetched.push({ result: { name: source.name, url: source.url, file, sha256: sha256(text), fetchedAt: new Date().toISOString() }, text });
  }
  if (fetched.length === 0) return [];

  const directory = dirname(documentFile);
  mkdirSync(join(directory, PINNED_SOURCES_DIRECTORY), { recursive: true });
  const lockFile = lockFileOf(documentFile);
  const lock: SourcesLock = { sources: lockedSources(lockFile) };
  for (const { result, text } of fetched) {
    writeFileSync(join(directory, result.file), text);
    const { name, ...pinned } = result;
    lock.sources[name] = pinned;
  }
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  return fetched.map(({ result }) => result);
}

async function fetchText(url: URL, fetchFn: typeof fetch, field: string): Promise<string> {
  let response: Response;
  try {
    response = await fetchFn(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw new ArazzoDocumentError(field, `cannot fetch ${url.href} (${(error as Error).message}); check the URL and the network`);
  }
  if (!response.ok) throw new ArazzoDocumentError(field, `fetching ${url.href} answered HTTP ${response.status}; check the URL`);
  const declared = Number(response.headers.get('content-length')); // no header: Number(null) is 0
  if (declared > MAX_DOCUMENT_BYTES) throw new ArazzoDocumentError(field, `${url.href} is ${declared} bytes, more than the ${MAX_DOCUMENT_BYTES} a description may have`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_DOCUMENT_BYTES) throw new ArazzoDocumentError(field, `${url.href} is ${bytes.length} bytes, more than the ${MAX_DOCUMENT_BYTES} a description may have`);
  const text = new TextDecoder().decode(bytes);
  try {
    // Stryker disable next-line StringLiteral: yaml throws its errors at every level but 'silent' and warns only at 'warn' or 'debug', so '' acts as 'error'
    parse(text, { logLevel: 'error' });
  } catch {
    throw new ArazzoDocumentError(field, `${url.href} answered something that is not YAML or JSON; check the URL points at the description itself`);
  }
  return text;
}

/** The sources an existing lock file records (kept when others are pinned); none when it is missing or not a lock. */
function lockedSources(lockFile: string): SourcesLock['sources'] {
  try {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<SourcesLock> | null;
    // Stryker disable next-line OptionalChaining: a null lock's TypeError lands in the catch, which answers the same
    return isRecord(lock?.sources) ? { ...lock.sources } : {};
  } catch {
    return {};
  }
}
