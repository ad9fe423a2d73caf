/**
 * Regular expressions from documents (regex criteria, input-schema `pattern`s) run on re2js, a pure-JS RE2:
 * matching takes time linear in the input, so no pattern can hang a run, and the Lambda bundle stays
 * native-free. Patterns RE2 cannot run (backreferences, lookaround) are refused at compile time.
 *
 * Differences from ECMA-262 a document may notice: `\s` and `\b` are ASCII-only; `\uXXXX` is accepted
 * (translated to RE2's `\x{XXXX}`); counted repeats stop at 1000. No Node imports: the step runner uses it.
 */
import { RE2JS } from 're2js';
import { memoizeParse } from './memo.ts';
import { clip } from './errors.ts';
import { isRecord } from './json-values.ts';

export interface LinearRegex {
  /** Whether the pattern matches anywhere in `text` (like RegExp.prototype.test without flags). */
  test(text: string): boolean;
  toString(): string;
}

/** How much of a refused pattern a message quotes. */
const QUOTED_PATTERN_LENGTH = 80;

export const compileLinearRegex = memoizeParse((pattern: string): LinearRegex | { error: string } => {
  try {
    // ECMA-262 accepts patterns such as `a{,` literally; reject the ones it refuses first so messages say so.
    new RegExp(pattern);
  } catch (error) {
    return { error: `${quote(pattern)} is not a valid regular expression (ECMA-262): ${(error as Error).message.slice(0, 120)}` };
  }
  try {
    const compiled = RE2JS.compile(translateEscapes(pattern));
    return { test: (text: string) => compiled.test(text), toString: () => `/${pattern}/` };
  } catch (error) {
    return { error: refusal(pattern, (error as Error).message) };
  }
});

/** Ajv's `code.regExp` option: every `pattern` and `patternProperties` key a schema has runs on RE2. */
export const linearRegExpEngine = Object.assign(
  (pattern: string): LinearRegex => {
    const compiled = compileLinearRegex(pattern);
    if ('error' in compiled) throw new Error(compiled.error);
    return compiled;
  },
  { code: 'linearRegExpEngine' },
);

function refusal(pattern: string, reason: string): string {
  if (/\\[1-9]|\\k</.test(pattern)) {
    return `${quote(pattern)} uses a backreference, which cannot be matched in linear time; rewrite it without one (repeat the group's pattern instead)`;
  }
  if (/\(\?<?[=!]/.test(pattern)) {
    return `${quote(pattern)} uses lookaround ((?=, (?!, (?<=, (?<!), which cannot be matched in linear time; rewrite it without, e.g. as two criteria`;
  }
  // Stryker disable next-line MethodExpression: re2js reasons before the quoted fragment are 'error parsing regexp: ' and a fixed phrase, under 70 characters
  return `${quote(pattern)} cannot be run by the linear-time regular expression engine (RE2 syntax): ${reason.split(': `')[0]!.slice(0, 120)}; see https://github.com/google/re2/wiki/Syntax`;
}

function quote(pattern: string): string {
  return JSON.stringify(clip(pattern, QUOTED_PATTERN_LENGTH));
}

/** `\uXXXX` (ECMA-262, common in JSON Schema) → `\x{XXXX}` (RE2); every other escape is kept as written. */
function translateEscapes(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    // Stryker disable next-line Regex: the slice is five characters, so a u followed by four hex digits can only start it
    const unicode = /^u([0-9A-Fa-f]{4})/.exec(pattern.slice(i + 1, i + 6));
    if (unicode) {
      out += `\\x{${unicode[1]}}`;
      i += 5;
    } else {
      out += pattern.slice(i, i + 2);
      i += 1;
    }
  }
  return out;
}

/** Keywords whose values are instances, not schemas: a `pattern` inside them is data. */
const INSTANCE_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example']);

/** Synth-time: each `pattern` and `patternProperties` key of a JSON Schema that the linear engine cannot run. */
export function checkSchemaPatterns(schema: unknown, where: string[] = []): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  const visit = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${index}]`]));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (INSTANCE_KEYWORDS.has(key)) continue;
      if (key === 'pattern' && typeof value === 'string') {
        const compiled = compileLinearRegex(value);
        if ('error' in compiled) problems.push({ path: [...path, 'pattern'], message: compiled.error });
      } else if (key === 'patternProperties' && isRecord(value)) {
        for (const pattern of Object.keys(value)) {
          const compiled = compileLinearRegex(pattern);
          if ('error' in compiled) problems.push({ path: [...path, 'patternProperties'], message: compiled.error });
        }
        visit(value, [...path, 'patternProperties']);
      } else {
        visit(value, [...path, key]);
      }
    }
  };
  visit(schema, where);
  return problems;
}
