import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestKeys, RedisClient } from '@tundra/core/server';
import { defineScript, ScriptCode } from '@tundra/core/server';
import type { Source } from '../ingest/ingest-event.js';

const luaDir = join(dirname(fileURLToPath(import.meta.url)), 'lua');

const accept = defineScript({
  name: 'accept',
  dir: luaDir,
  keys: ['dedupe', 'inbox', 'pending'],
  args: [
    'dedupeTtl',
    'causesJobs',
    'recoverAt',
    'maxLen',
    'minId',
    'source',
    'projectKey',
    'receivedAt',
    'headers',
    'body',
    'item',
    'replayOf',
  ],
  decode: (reply): AcceptOutcome => {
    const id = String(reply[1]);
    if (reply[0] === ScriptCode.Ok) return { kind: 'accepted', id };
    if (reply[0] === ScriptCode.Exists) return { kind: 'duplicate', id };
    throw new Error(`unexpected accept reply ${JSON.stringify(reply)}`);
  },
});

const claimPending = defineScript({
  name: 'claim-pending',
  dir: luaDir,
  keys: ['pending'],
  args: ['now', 'nextDue', 'count'],
  decode: (reply) => reply.map(String),
});

/** The inbox's scripts, one per atomic operation, loaded once. */
export function loadInboxScripts() {
  return { accept, claimPending } as const;
}
export type InboxScripts = ReturnType<typeof loadInboxScripts>;

/** One accepted delivery as the inbox holds it: enough to verify, normalise and route it again. */
export interface InboxEntry {
  /** The stream entry id; also the event id the sender was answered with. */
  id: string;
  source: Source;
  /** The project key of a Taiga webhook's URL; null for the other sources. */
  projectKey: string | null;
  receivedAt: string;
  /** The headers needed to verify and route it again (signatures, event names, delivery ids; never tokens). */
  headers: Record<string, string>;
  /** The raw body, byte for byte, as it arrived: it goes to Redis and back without a re-encode. */
  body: Buffer;
  /** `type:id` of the Taiga item it concerns, for replays by item; null otherwise. */
  item: string | null;
  /** The entry this one replays, when an operator re-drove it. */
  replayOf: string | null;
}

export interface InboxLimits {
  dedupeTtlSeconds: number;
  maxLen: number;
  maxAgeMs: number;
  /** How long after an accept a recovery may re-drive the entry if its jobs were not confirmed. */
  recoveryGraceMs: number;
}

export type AcceptOutcome = { kind: 'accepted'; id: string } | { kind: 'duplicate'; id: string };

const fieldNames = ['source', 'projectKey', 'receivedAt', 'headers', 'body', 'item', 'replayOf'] as const;

/** The entry's fields as the stream stores them: absent values as empty strings, the body as bytes. */
function encode(entry: Omit<InboxEntry, 'id'>): Record<(typeof fieldNames)[number], string | Buffer> {
  return {
    source: entry.source,
    projectKey: entry.projectKey ?? '',
    receivedAt: entry.receivedAt,
    headers: JSON.stringify(entry.headers),
    body: entry.body,
    item: entry.item ?? '',
    replayOf: entry.replayOf ?? '',
  };
}

type StreamEntry = [id: Buffer, fields: Buffer[]];

/** Read back as buffers, so the body stays bytes; every other field is text. */
function decode([id, flat]: StreamEntry): InboxEntry {
  const fields: Partial<Record<(typeof fieldNames)[number], Buffer>> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields[flat[i]!.toString() as (typeof fieldNames)[number]] = flat[i + 1]!;
  }
  const text = (name: (typeof fieldNames)[number]) => fields[name]?.toString('utf8') ?? '';
  return {
    id: id.toString(),
    source: text('source') as Source,
    projectKey: text('projectKey') || null,
    receivedAt: text('receivedAt'),
    headers: JSON.parse(text('headers') || '{}') as Record<string, string>,
    body: fields.body ?? Buffer.alloc(0),
    item: text('item') || null,
    replayOf: text('replayOf') || null,
  };
}

/**
 * The durable inbox: a Redis stream capped by age and length, a dedupe marker per delivery, and the set of entries
 * whose jobs are not yet confirmed (what a crash between the accept and the enqueue leaves behind).
 */
export class Inbox {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: IngestKeys,
    private readonly scripts: InboxScripts,
    private readonly limits: InboxLimits,
    private readonly now: () => Date,
  ) {}

  /**
   * Records a delivery, or reports the entry of its first delivery. `dedupe` null skips the check (replays).
   * Resolves only once Redis has the entry: the sender is answered after this.
   */
  async accept(
    entry: Omit<InboxEntry, 'id'>,
    options: { dedupe: { scope: string; key: string } | null; causesJobs: boolean },
  ): Promise<AcceptOutcome> {
    const now = this.now().getTime();
    const dedupeKey = options.dedupe
      ? this.keys.dedupe(options.dedupe.scope, options.dedupe.key)
      : this.keys.dedupe('-', '-');
    return this.scripts.accept.run(
      this.redis,
      { dedupe: dedupeKey, inbox: this.keys.inbox(), pending: this.keys.pending() },
      {
        dedupeTtl: options.dedupe ? this.limits.dedupeTtlSeconds : 0,
        causesJobs: options.causesJobs ? '1' : '0',
        recoverAt: now + this.limits.recoveryGraceMs,
        maxLen: this.limits.maxLen,
        minId: Math.max(0, now - this.limits.maxAgeMs),
        ...encode(entry),
      },
    );
  }

  /** Marks entries' jobs as enqueued: a recovery will not re-drive them. */
  async confirm(...ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.zrem(this.keys.pending(), ...ids);
  }

  /** Claims up to `count` entries whose jobs were never confirmed and whose grace has passed. */
  async claimPending(count: number): Promise<string[]> {
    const now = this.now().getTime();
    return this.scripts.claimPending.run(
      this.redis,
      { pending: this.keys.pending() },
      { now, nextDue: now + this.limits.recoveryGraceMs, count },
    );
  }

  async get(id: string): Promise<InboxEntry | null> {
    const entries = (await this.redis.xrangeBuffer(this.keys.inbox(), id, id)) as StreamEntry[];
    const first = entries[0];
    return first ? decode(first) : null;
  }

  /** Entries with ids in [start, end] (stream ids or ms timestamps), oldest first, at most `count`. */
  async range(start: string, end: string, count: number): Promise<InboxEntry[]> {
    const entries = (await this.redis.xrangeBuffer(
      this.keys.inbox(),
      start,
      end,
      'COUNT',
      count,
    )) as StreamEntry[];
    return entries.map(decode);
  }
}
