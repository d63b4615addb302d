import type { z } from 'zod';
import { formatZodIssues } from '../contracts/jobs.js';
import { ContractViolationError } from '../errors.js';

/** Fields the Lua scripts read and write as plain strings; every other field is stored as JSON. */
const plainFields = new Set(['status', 'version']);

/**
 * Encodes a record as the flat `[field, value, ...]` list the scripts HSET. Each field is JSON on its own, so the
 * scripts can compare `status` and `version` without parsing JSON, and a patch writes only the fields it names.
 */
export function encodeFields(record: Record<string, unknown>): string[] {
  const flat: string[] = [];
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined || plainFields.has(field)) continue;
    flat.push(field, JSON.stringify(value));
  }
  return flat;
}

/** Decodes an HGETALL reply into a record and validates it against its contract. */
export function decodeRecord<S extends z.ZodType>(
  schema: S,
  name: string,
  hash: Record<string, string>,
): z.infer<S> {
  const raw: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (field === 'version') raw[field] = Number(value);
    else if (field === 'status') raw[field] = value;
    else raw[field] = JSON.parse(value);
  }
  return parseStored(schema, name, raw);
}

/** Validates a record read back from Redis; a mismatch means a bug or a foreign writer, never a retry. */
export function parseStored<S extends z.ZodType>(schema: S, name: string, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ContractViolationError(`stored ${name}`, formatZodIssues(parsed.error));
  return parsed.data;
}
