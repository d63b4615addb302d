import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { withContext } from '../context.js';
import { usageError } from '../errors.js';
import type { Io } from '../output.js';
import { positiveInt, taigaItem } from '../parse.js';

interface ReplayOptions {
  delivery?: string;
  /** The deprecated name of `--delivery`. */
  event?: string;
  project?: string;
  item?: { type: string; id: number };
  from?: string;
  to?: string;
  source?: string;
  limit?: number;
  ingesterUrl?: string;
}

/** An ingester before the rename answers the old names only (`eventId`, `replayEventId`). */
interface ReplayedEntry {
  deliveryId?: string;
  eventId: string;
  outcome: string;
  replayDeliveryId?: string;
  replayEventId?: string;
  jobs?: string[];
  reason?: string;
}

/** The replay request of the ingester's `POST /admin/inbox/replay`: exactly one of delivery, item, time range. */
function replayBody(options: ReplayOptions): Record<string, unknown> {
  if (options.delivery && options.event)
    throw usageError('give --delivery or its old name --event, not both');
  const delivery = options.delivery ?? options.event;
  const chosen = [delivery, options.item, options.from && !options.item].filter(Boolean).length;
  if (chosen !== 1)
    throw usageError('give exactly one of: --delivery <id>; --project <id> --item <type:id>; --from <time>');
  if (options.item && !options.project) throw usageError('--item needs --project');
  return Object.fromEntries(
    Object.entries({
      // The old name, which ingesters before and after the rename both take (one name per release to come).
      eventId: delivery,
      project: options.item ? options.project : undefined,
      item: options.item,
      from: options.from,
      to: options.to,
      source: options.source,
      limit: options.limit,
    }).filter(([, value]) => value !== undefined),
  );
}

export function registerInbox(program: Command, io: Io, env: Record<string, string | undefined>): void {
  const inbox = program.command('inbox').description("The ingester's durable inbox of webhooks");
  inbox
    .command('replay')
    .description('Re-drive inbox entries: one delivery, every delivery of a Taiga item, or a time range')
    .option('--delivery <id>', 'one inbox entry (delivery) by id')
    .option('--event <id>', 'deprecated: the old name of --delivery')
    .option('--project <id>', 'the project of --item')
    .option('--item <type:id>', 'every entry about a Taiga item, e.g. userstory:12', taigaItem)
    .option('--from <time>', 'entries since this ISO time (with --item, or alone)')
    .option('--to <time>', 'entries up to this ISO time')
    .option('--source <source>', 'only entries from this source (taiga, github, gitlab, ci)')
    .option('--limit <n>', 'replay at most this many', positiveInt)
    .option('--ingester-url <url>', 'the ingester (default: $TUNDRA_INGESTER_URL or http://127.0.0.1:8080)')
    .action(
      withContext(io, env, async ({ out, token, env: vars }, options: ReplayOptions) => {
        const body = replayBody(options);
        const ingester = new ApiClient({
          baseUrl: options.ingesterUrl ?? vars.TUNDRA_INGESTER_URL ?? 'http://127.0.0.1:8080',
          token,
          prefix: '',
        });
        const result = await ingester.request<{ replayed: ReplayedEntry[]; truncated: boolean }>(
          'POST',
          '/admin/inbox/replay',
          { body },
        );
        out.result(result, () => {
          out.table(
            ['DELIVERY', 'OUTCOME', 'REPLAY DELIVERY', 'JOBS'],
            result.replayed.map((r) => [
              r.deliveryId ?? r.eventId,
              r.outcome,
              r.replayDeliveryId ?? r.replayEventId ?? '-',
              (r.jobs ?? []).join(', ') || r.reason || '-',
            ]),
          );
          out.line(`${result.replayed.length} entr${result.replayed.length === 1 ? 'y' : 'ies'} replayed`);
          if (result.truncated) out.warn('(stopped early: narrow the range or raise --limit for the rest)');
        });
      }),
    );
}
