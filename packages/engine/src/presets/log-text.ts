/** Shaping text for the step log: what a person reads in `tundra runs logs -f`. */

const ellipsis = '…';

/** One line of at most `max` characters: the first line of `text`, with a mark when something was cut. */
export function clip(text: string, max = 200): string {
  const trimmed = text.trim();
  const newline = trimmed.indexOf('\n');
  const first = newline >= 0 ? trimmed.slice(0, newline) : trimmed;
  const cut = newline >= 0 || first.length > max;
  return cut ? `${first.slice(0, max).trimEnd()}${ellipsis}` : first;
}

/**
 * The lines of `text`, each prefixed, at most `maxLines` of them (the first ones, or the last ones with
 * `keep: 'last'`), with a line saying how many were left out.
 */
export function prefixedLines(
  prefix: string,
  text: string,
  options: { maxLines?: number; keep?: 'first' | 'last' } = {},
): string[] {
  const maxLines = options.maxLines ?? 40;
  const lines = text.replace(/\s+$/, '').split(/\r?\n/);
  if (lines.length === 1 && lines[0] === '') return [];
  if (lines.length <= maxLines) return lines.map((line) => `${prefix}${line}`);
  const omitted = `${prefix}${ellipsis} ${lines.length - maxLines} more lines`;
  return options.keep === 'last'
    ? [omitted, ...lines.slice(-maxLines).map((line) => `${prefix}${line}`)]
    : [...lines.slice(0, maxLines).map((line) => `${prefix}${line}`), omitted];
}

/** A count of tokens for people: `950`, `12,400`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** Dollars for people: cents above a dollar cent, four decimals below. */
export function formatUsd(usd: number): string {
  return `$${usd >= 0.01 ? usd.toFixed(2) : usd.toFixed(4)}`;
}

/** Parses one line as a JSON object; anything else (plain text, arrays, broken JSON) is null. */
export function parseJsonObject(line: string): Record<string, unknown> | null {
  const start = line.trimStart();
  if (!start.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(start);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
