/**
 * Reading YAML or JSON documents from disk (synth time only; the step runner never reads files).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ArazzoDocumentError } from './errors.ts';

/** Parses a YAML or JSON file (JSON is YAML 1.2); errors name the file and the line. */
export function readDocumentFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : ((error as Error).message ?? String(error));
    throw new ArazzoDocumentError(file, `cannot read the ${what} (${reason}); check the path`);
  }
  try {
    return parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new ArazzoDocumentError(file, `is not valid YAML or JSON: ${(error as Error).message}`);
  }
}
