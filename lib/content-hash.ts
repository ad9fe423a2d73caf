/**
 * A SHA-256 over the content of files and folders (recursively, in a fixed order, with their relative paths),
 * for caches that must change whenever what they were built from changes, and only then.
 */
import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Adds each entry under `root` (a file, or a folder walked recursively) to `hash`; a missing entry adds its name only. */
export function updateWithFiles(hash: Hash, root: string, entries: readonly string[]): Hash {
  const walk = (file: string) => {
    let stats;
    try {
      stats = statSync(file);
    } catch {
      hash.update(`missing:${path.relative(root, file)}\0`);
      return;
    }
    if (stats.isDirectory()) {
      for (const child of readdirSync(file).sort()) walk(path.join(file, child));
      return;
    }
    hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  };
  for (const entry of entries) walk(path.resolve(root, entry));
  return hash;
}

export function contentHash(root: string, entries: readonly string[], extra = ''): string {
  return updateWithFiles(createHash('sha256').update(`${extra}\0`), root, entries).digest('hex');
}
