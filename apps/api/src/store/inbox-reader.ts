import type { Keys, RedisClient } from '@tundra/core/server';

type StreamEntry = [id: string, fields: string[]];

export interface InboxDelivery {
  id: string;
  receivedAt: string;
  source: string;
  projectKey: string | null;
  event: string | null;
  item: string | null;
  verdict: 'pending' | 'routed';
  routes: string[];
  replayOf: string | null;
}

/** What the sender says happened, from the headers the inbox keeps or, for Taiga, the body's `type` and `action`. */
function eventOf(source: string, headers: Record<string, string>, body: string): string | null {
  const header = headers['x-github-event'] ?? headers['x-gitlab-event'];
  if (header) return header;
  if (source !== 'taiga') return null;
  try {
    const json = JSON.parse(body) as { type?: unknown; action?: unknown };
    return typeof json.type === 'string' ? `${json.type}.${String(json.action ?? '')}` : null;
  } catch {
    return null;
  }
}

/** The most inbox entries one page reads while looking for a project's deliveries. */
const maxScanned = 5_000;
const batchSize = 200;

/**
 * Reads the ingester's inbox (its stream of accepted deliveries, and the set of those whose jobs are not confirmed
 * yet) for the console and `GET /inbox`. Read-only: replays go through the ingester.
 */
export class InboxReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Newest first, before `before` (exclusive), only `project`'s when given (`null`: every delivery). */
  async page(options: { project: string | null; before?: string; limit: number }) {
    const deliveries: InboxDelivery[] = [];
    let end = options.before ? `(${options.before}` : '+';
    let scanned = 0;
    let lastScanned: string | null = null;
    let exhausted = false;
    scan: while (scanned < maxScanned) {
      const batch = (await this.redis.xrevrange(
        this.keys.ingest.inbox(),
        end,
        '-',
        'COUNT',
        batchSize,
      )) as StreamEntry[];
      for (const entry of batch) {
        scanned++;
        lastScanned = entry[0];
        const delivery = this.fields(entry);
        if (options.project === null || delivery.projectKey === options.project) deliveries.push(delivery);
        if (deliveries.length === options.limit) break scan;
      }
      if (batch.length < batchSize) {
        exhausted = true;
        break;
      }
      end = `(${lastScanned}`;
    }
    // A page cut short by the scan bound still says where to go on from.
    const next = exhausted ? null : lastScanned;
    const pending = await this.pendingOf(deliveries.map((d) => d.id));
    return {
      deliveries: deliveries.map((d, i) => ({
        ...d,
        verdict: pending[i] ? ('pending' as const) : ('routed' as const),
      })),
      next,
    };
  }

  /** The entry, for the replay's visibility check; null when the inbox has no such entry (or trimmed it). */
  async get(id: string): Promise<InboxDelivery | null> {
    const entries = (await this.redis.xrange(this.keys.ingest.inbox(), id, id)) as StreamEntry[];
    return entries[0] ? this.fields(entries[0]) : null;
  }

  private async pendingOf(ids: string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const scores = await this.redis.zmscore(this.keys.ingest.pending(), ...ids);
    return scores.map((score) => score !== null);
  }

  private fields([id, flat]: StreamEntry): InboxDelivery {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
    let headers: Record<string, string> = {};
    try {
      headers = JSON.parse(f.headers || '{}') as Record<string, string>;
    } catch {
      headers = {};
    }
    const source = f.source ?? 'unknown';
    const projectKey = f.projectKey || null;
    const item = f.item || null;
    return {
      id,
      receivedAt: f.receivedAt ?? '',
      source,
      projectKey,
      event: eventOf(source, headers, f.body ?? ''),
      item,
      verdict: 'routed',
      routes: projectKey ? [item ? `${projectKey}/${item}` : projectKey] : [],
      replayOf: f.replayOf || null,
    };
  }
}
