import { ProjectId, StreamId, TaigaItemType } from '@tundra/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IngestMetrics } from '../metrics.js';
import type { Inbox, InboxEntry } from '../store/inbox.js';
import { Source } from './ingest-event.js';
import type { IngestService } from './ingest-service.js';

/**
 * What an operator asks to replay: one delivery by id, every delivery for a Taiga item (optionally within a time
 * range), or every delivery in a time range (optionally of one source). Entries that are themselves replays are
 * skipped. `eventId` is the deprecated name of `deliveryId` (a public contract): a request gives at most one of them.
 */
export const ReplayRequest = z
  .strictObject({
    deliveryId: StreamId.optional(),
    eventId: StreamId.optional(),
    project: ProjectId.optional(),
    item: z
      .strictObject({
        type: z.enum([TaigaItemType.Story, TaigaItemType.Task]),
        id: z.number().int().positive(),
      })
      .optional(),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    source: z.enum(Object.values(Source)).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .refine((r) => r.deliveryId === undefined || r.eventId === undefined, {
    path: ['eventId'],
    message: 'give deliveryId or its deprecated name eventId, not both',
  })
  .refine(
    (r) =>
      (requestedDelivery(r) !== undefined ? 1 : 0) +
        (r.item !== undefined ? 1 : 0) +
        (r.from !== undefined && !r.item ? 1 : 0) ===
      1,
    {
      message: 'give exactly one of: deliveryId; project and item (from/to optional); from (to optional)',
    },
  )
  .refine((r) => r.item === undefined || r.project !== undefined, {
    path: ['project'],
    message: 'item needs project',
  });
export type ReplayRequest = z.infer<typeof ReplayRequest>;

/** The one delivery a request names, under either of its names. */
function requestedDelivery(request: { deliveryId?: string; eventId?: string }): string | undefined {
  return request.deliveryId ?? request.eventId;
}

/** One replayed delivery. `eventId` and `replayEventId` repeat the delivery ids under their deprecated names. */
export interface ReplayedEntry {
  deliveryId: string;
  eventId: string;
  outcome: string;
  replayDeliveryId?: string;
  replayEventId?: string;
  jobs?: string[];
  reason?: string;
}

const pageSize = 500;
/** The most entries one request reads while looking for matches, so a replay over a huge inbox stays bounded. */
const maxScanned = 50_000;

/** Re-drives inbox entries through normalise, route, record and enqueue again, bypassing de-duplication on purpose. */
export class ReplayService {
  constructor(
    private readonly deps: { inbox: Inbox; service: IngestService; metrics: IngestMetrics; logger: Logger },
  ) {}

  async replay(
    request: ReplayRequest,
  ): Promise<{ replayed: ReplayedEntry[]; truncated: boolean } | { notFound: string }> {
    let entries: InboxEntry[];
    let truncated = false;
    const deliveryId = requestedDelivery(request);
    if (deliveryId !== undefined) {
      const entry = await this.deps.inbox.get(deliveryId);
      if (!entry) return { notFound: deliveryId };
      entries = [entry];
    } else {
      const itemKey = request.item ? `${request.item.type}:${request.item.id}` : null;
      const selected = await this.scan(request, (entry) =>
        itemKey !== null
          ? entry.projectKey === request.project && entry.item === itemKey
          : request.source === undefined || entry.source === request.source,
      );
      entries = selected.entries;
      truncated = selected.truncated;
    }
    const replayed: ReplayedEntry[] = [];
    for (const entry of entries) {
      const result = await this.deps.service.redrive(entry, { kind: 'replay', of: entry.id });
      this.deps.metrics.replays.inc();
      replayed.push(
        result.outcome === 'accepted'
          ? {
              deliveryId: entry.id,
              eventId: entry.id,
              outcome: result.outcome,
              replayDeliveryId: result.deliveryId,
              replayEventId: result.deliveryId,
              jobs: result.jobs,
            }
          : {
              deliveryId: entry.id,
              eventId: entry.id,
              outcome: result.outcome,
              ...('reason' in result ? { reason: result.reason } : {}),
            },
      );
    }
    this.deps.logger.info({ request, replayed: replayed.length, truncated }, 'inbox replay');
    return { replayed, truncated };
  }

  private async scan(request: ReplayRequest, matches: (entry: InboxEntry) => boolean) {
    const end = request.to ? String(Date.parse(request.to)) : '+';
    let start = request.from ? String(Date.parse(request.from)) : '-';
    const entries: InboxEntry[] = [];
    let scanned = 0;
    while (entries.length < request.limit) {
      const page = await this.deps.inbox.range(start, end, pageSize);
      for (const entry of page) {
        if (entry.replayOf === null && matches(entry)) entries.push(entry);
        if (entries.length === request.limit) return { entries, truncated: true };
      }
      scanned += page.length;
      if (page.length < pageSize) return { entries, truncated: false };
      if (scanned >= maxScanned) return { entries, truncated: true };
      start = `(${page.at(-1)!.id}`;
    }
    return { entries, truncated: true };
  }
}
