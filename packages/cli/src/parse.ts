import { InvalidArgumentError } from 'commander';

/** A commander option parser for positive integers; a bad value is a usage error (exit 2). */
export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

/** A commander option parser for counts that may be zero (offsets). */
export function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('expected 0 or a positive integer');
  return parsed;
}

/** A Taiga ref as people write it: `42`, `#42` or `TG-42`. */
export function taigaRef(value: string): number {
  const match = /^(?:#|TG-)?(\d+)$/i.exec(value.trim());
  if (!match || Number(match[1]) < 1)
    throw new InvalidArgumentError('expected a Taiga ref such as 42, #42 or TG-42');
  return Number(match[1]);
}

/** `userstory:12` or `task:34`, for inbox replay. */
export function taigaItem(value: string): { type: 'userstory' | 'task'; id: number } {
  const match = /^(userstory|task):(\d+)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected <userstory|task>:<id>, e.g. userstory:12');
  return { type: match[1] as 'userstory' | 'task', id: Number(match[2]) };
}
