/**
 * Reading a person's Taiga comment as a command: `/tundra <command> [text]` or `@<bot username> <command> [text]`
 * at the start of the comment, case-insensitive; the rest of that line is the command's text.
 */

export type ParsedComment =
  /** Not addressed to Tundra: feedback for the agent. */
  | { readonly kind: 'remark' }
  /** Addressed to Tundra; `name` is lower-cased and may be no command at all (the reply then lists them). */
  | { readonly kind: 'command'; readonly name: string; readonly text: string };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a comment is a command, and which. Only the comment's first non-blank line counts, so a comment that
 * mentions `/tundra retry` further down is feedback, not a command. A bare `/tundra` is the command `help`.
 */
export function parseComment(comment: string, botUsername: string | null): ParsedComment {
  const firstLine = comment.split('\n').find((line) => line.trim() !== '') ?? '';
  const prefixes = ['/tundra', ...(botUsername ? [`@${botUsername}`] : [])].map(escapeRegExp);
  const match = new RegExp(`^\\s*(?:${prefixes.join('|')})(?=\\s|$)\\s*(\\S*)\\s*(.*)$`, 'i').exec(firstLine);
  if (!match) return { kind: 'remark' };
  const name = (match[1] ?? '').toLowerCase();
  return { kind: 'command', name: name === '' ? 'help' : name, text: (match[2] ?? '').trim() };
}
