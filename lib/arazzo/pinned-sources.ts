/**
 * Remote source descriptions, pinned: an `https://` URL in `sourceDescriptions` is fetched once, on request
 * (`npm run compile -- --pin-sources doc.yml`), into a local copy next to the document, and its SHA-256 is
 * recorded in `<document>.sources.lock.json`. Synth reads only that copy, offline, and refuses it when its
 * bytes no longer match the digest, so a deployment is reproducible and never depends on the network.
 *
 * This module is synth time only (reads files); fetching lives in `pin-sources.ts`.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative } from 'node:path';
import { readGatedText } from './document-file.ts';
import { ArazzoDocumentError, clip, URL_SHOWN } from './errors.ts';

export const PINNED_SOURCES_DIRECTORY = 'pinned-sources';

export interface SourcesLock {
  /** By source description name. */
  sources: Record<string, PinnedSource>;
}

export interface PinnedSource {
  url: string;
  /** The copy, relative to the document's directory. */
  file: string;
  sha256: string;
  /** ISO time of the fetch, for people reading the lock file. */
  fetchedAt: string;
}

/** `shop.arazzo.yml` → `shop.arazzo.yml.sources.lock.json`, next to it. */
export function lockFileOf(documentFile: string): string {
  return join(dirname(documentFile), `${basename(documentFile)}.sources.lock.json`);
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The command that (re)pins a document's remote sources, for messages. */
export function pinCommand(documentFile: string): string {
  return `npm run compile -- --pin-sources ${relative(process.cwd(), documentFile) || documentFile}`;
}

/**
 * The local copy of a remote source description, checked against its recorded digest; an error saying which
 * command fetches it when there is none. `field` is the document path of the source's `url`.
 */
/** `shown` is how messages name the source (its URL resolved against $self, where the document has one), clipped. */
export function pinnedSourcePath(documentFile: string, name: string, url: string, field: string, roots: readonly string[], shown: string): string {
  const lockFile = lockFileOf(documentFile);
  const notPinned = (why: string): never => {
    throw new ArazzoDocumentError(
      field,
      // URLs clipped and the command on a line of its own, so a long URL or path cannot push the fix past the line cap.
      `${shown} is a remote source description and synth never reads the network; ${why}.\nFetch it once into a pinned copy with: ${pinCommand(documentFile)}`,
    );
  };
  let lock: SourcesLock;
  try {
    lock = JSON.parse(readGatedText(lockFile, { what: 'sources lock file', roots })) as SourcesLock;
  } catch (error) {
    if (error instanceof ArazzoDocumentError && /no such file/.test(error.message)) return notPinned(`${basename(lockFile)} does not exist`);
    if (error instanceof SyntaxError) return notPinned(`${basename(lockFile)} is not JSON`);
    throw error;
  }
  const pinned = lock.sources?.[name];
  if (pinned === undefined) return notPinned(`${basename(lockFile)} has no copy of source description "${name}"`);
  if (pinned.url !== url) return notPinned(`the pinned copy of "${name}" was fetched from another URL, ${clip(pinned.url, URL_SHOWN)}`);
  const copy = join(dirname(documentFile), pinned.file);
  const text = readGatedText(copy, { what: `pinned copy of source description "${name}"`, roots, field, reference: pinned.file });
  const digest = sha256(text);
  if (digest !== pinned.sha256) {
    throw new ArazzoDocumentError(
      field,
      `the pinned copy ${clip(pinned.file, URL_SHOWN)} of ${clip(url, URL_SHOWN)} changed since it was pinned ` +
        `(SHA-256 ${digest.slice(0, 12)}…, ${basename(lockFile)} records ${pinned.sha256.slice(0, 12)}…).\nRe-pin it on purpose with: ${pinCommand(documentFile)}`,
    );
  }
  return copy;
}
