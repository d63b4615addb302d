/**
 * Typed reads of fields in a tool's JSON events. The tools add fields in every release; a reader takes what it
 * knows and never fails on what it does not.
 */
export type JsonObject = Record<string, unknown>;

export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)[key]
    : undefined;
}

export function stringField(value: unknown, key: string): string | null {
  const found = field(value, key);
  return typeof found === 'string' ? found : null;
}

/** A finite, non-negative number; anything else is 0 (a count the tool left out counts nothing). */
export function countField(value: unknown, key: string): number {
  const found = field(value, key);
  return typeof found === 'number' && Number.isFinite(found) && found >= 0 ? found : 0;
}

export function numberField(value: unknown, key: string): number | null {
  const found = field(value, key);
  return typeof found === 'number' && Number.isFinite(found) ? found : null;
}

export function objectField(value: unknown, key: string): JsonObject | null {
  const found = field(value, key);
  return found !== null && typeof found === 'object' && !Array.isArray(found) ? (found as JsonObject) : null;
}

export function arrayField(value: unknown, key: string): unknown[] {
  const found = field(value, key);
  return Array.isArray(found) ? found : [];
}
