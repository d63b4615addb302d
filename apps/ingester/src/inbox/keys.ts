import { createHash } from 'node:crypto';

/**
 * Every Redis key the ingester writes, built from the configured prefix (`TUNDRA_REDIS_PREFIX`). They share the
 * `{ingest}` hash tag so the accept script's keys sit in one slot on Redis Cluster. Dedupe markers are named by a
 * hash of what identifies the delivery, so a sender's id never shapes a key.
 */
export function createIngestKeys(prefix: string) {
  const base = `${prefix}:{ingest}`;
  return {
    /** The durable inbox: a stream of every accepted delivery (raw body and the headers to re-verify it). */
    inbox: () => `${base}:inbox`,
    /** Zset of inbox entry ids whose jobs are not yet known to be enqueued, scored by when they are due. */
    pending: () => `${base}:inbox:pending`,
    /** Marker that a delivery was seen; its value is the inbox entry id of the first delivery. */
    dedupe: (scope: string, deliveryKey: string) =>
      `${base}:dedupe:${createHash('sha256').update(`${scope}\n${deliveryKey}`).digest('hex')}`,
  } as const;
}
export type IngestKeys = ReturnType<typeof createIngestKeys>;
