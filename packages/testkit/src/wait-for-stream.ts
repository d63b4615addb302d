import type { RedisClient } from '@tundra/core/server';

type StreamReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * Waits until an entry of a Redis stream satisfies `predicate`, reading with XREAD BLOCK: the test wakes when the
 * event is written, never by polling the clock. `timeoutMs` only bounds a test that would otherwise hang.
 */
export async function waitForStreamEntry(
  redis: RedisClient,
  key: string,
  predicate: (fields: Record<string, string>, id: string) => boolean,
  timeoutMs = 20_000,
  /** Only entries after this stream id count; from the start of the stream by default. */
  after = '0',
): Promise<{ id: string; fields: Record<string, string> }> {
  const reader = redis.duplicate();
  const deadline = Date.now() + timeoutMs;
  let cursor = after;
  try {
    while (Date.now() < deadline) {
      const reply = (await reader.xread(
        'COUNT',
        100,
        'BLOCK',
        Math.max(1, deadline - Date.now()),
        'STREAMS',
        key,
        cursor,
      )) as StreamReply;
      for (const [, entries] of reply ?? []) {
        for (const [id, flat] of entries) {
          cursor = id;
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
          if (predicate(fields, id)) return { id, fields };
        }
      }
    }
    throw new Error(`no entry of ${key} matched within ${timeoutMs} ms`);
  } finally {
    reader.disconnect();
  }
}
