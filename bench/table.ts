/** Plain-text tables for the bench's console output and the README section (Markdown pipes). */

export type Cell = string | number;

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>, alignRight: readonly boolean[] = []): string {
  const text = rows.map((row) => row.map(String));
  const widths = headers.map((header, i) => Math.max(header.length, ...text.map((row) => (row[i] ?? '').length)));
  const pad = (cell: string, i: number) => (alignRight[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!));
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (alignRight[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...text.map(line)].join('\n');
}

export const fixed = (value: number, digits: number) => value.toFixed(digits);
export const ratio = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);
export const yesNo = (value: boolean) => (value ? 'yes' : 'NO');
