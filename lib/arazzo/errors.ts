/**
 * Error types of the Arazzo core. Free of Node imports: the step runner loads this module too.
 */

/** A runtime expression whose syntax the Arazzo specification does not allow. */
export class ArazzoExpressionError extends Error {
  readonly expression: string;

  constructor(expression: string, message: string) {
    super(message);
    this.name = 'ArazzoExpressionError';
    this.expression = expression;
  }
}

/**
 * A document (Arazzo, OpenAPI or overlay) that this project cannot load or compile.
 * `location` is the document path, e.g. `x.yml › workflows[w] › steps[s] › operationId`;
 * the message starts with it and says the fix.
 */
export class ArazzoDocumentError extends Error {
  readonly location: string;
  /** Every problem found when several were collected into one error (each already prefixed by its location). */
  readonly problems: string[];

  constructor(location: string, message: string, problems?: string[]) {
    super(shortenLines(location ? `${location}: ${message}` : message));
    this.name = 'ArazzoDocumentError';
    this.location = shortenLine(location);
    this.problems = problems ? problems.slice(0, MAX_LISTED_PROBLEMS).map(shortenLine) : [this.message];
  }
}

/** How many characters of a URL or file name a message quotes. */
export const URL_SHOWN = 100;

/** Quotes at most `max` characters of document content in a message, marking a cut with `…`. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A message line may quote document content; a 480 KB value must not come back as a 480 KB message. */
export const MAX_MESSAGE_LINE = 400;
const MAX_LISTED_PROBLEMS = 50;

function shortenLine(line: string): string {
  if (line.length <= MAX_MESSAGE_LINE) return line;
  return `${line.slice(0, MAX_MESSAGE_LINE - 40)}… (${line.length - (MAX_MESSAGE_LINE - 40)} characters cut)`;
}

function shortenLines(message: string): string {
  const lines = message.split('\n');
  const kept = lines.slice(0, MAX_LISTED_PROBLEMS + 1).map(shortenLine);
  if (lines.length > kept.length) kept.push(`  … and ${lines.length - kept.length} more`);
  return kept.join('\n');
}

/** Joins document path segments the way every message in this project spells them. */
export function documentPath(...segments: Array<string | undefined>): string {
  return segments.filter((segment): segment is string => segment !== undefined && segment !== '').join(' › ');
}

/** One thing wrong with a document, before it becomes an ArazzoDocumentError. */
export interface DocumentProblem {
  location: string;
  message: string;
}

/** One error for all problems: a single problem keeps its own location; several are listed under `location`. */
export function problemsError(location: string, problems: DocumentProblem[]): ArazzoDocumentError {
  if (problems.length === 1) return new ArazzoDocumentError(problems[0].location, problems[0].message);
  const lines = problems.map((problem) => `${problem.location}: ${problem.message}`);
  return new ArazzoDocumentError(
    location,
    `${problems.length} problems:\n${lines.map((line) => `  - ${line}`).join('\n')}`,
    lines,
  );
}
