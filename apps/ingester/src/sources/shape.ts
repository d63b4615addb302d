import { formatZodIssues } from '@tundra/core';
import type { z } from 'zod';
import type { InvalidShape } from '../ingest/ingest-event.js';

/** Validates a parsed body against a source's schema; a mismatch names each field, for the 400 answer. */
export function checkShape<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; invalid: InvalidShape } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, invalid: { kind: 'invalid', issues: formatZodIssues(result.error) } };
}

/** A label value from a bounded list, or `other`: labels never carry what a sender chose freely. */
export function boundedLabel<T extends string>(value: string, known: readonly T[]): T | 'other' {
  return (known as readonly string[]).includes(value) ? (value as T) : 'other';
}

/** A sender's timestamp as ISO-8601 UTC, or the receive time when it is missing or unreadable. */
export function isoTime(value: string | null | undefined, fallback: Date): string {
  if (value) {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  return fallback.toISOString();
}
