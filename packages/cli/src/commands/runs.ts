import {
  formatUsd,
  isTerminal,
  type ProtocolRun,
  protocolRunMachine,
  type RunEvent,
  type StepRun,
} from '@tundra/core';
import type { Command } from 'commander';
import { type CommandContext, withContext } from '../context.js';
import { usageError } from '../errors.js';
import type { Io, Output } from '../output.js';
import { nonNegativeInt, positiveInt } from '../parse.js';

type WithLinks<T> = T & { links: Record<string, string | null> };
interface ListOptions {
  project?: string;
  status?: string;
  limit: number;
  offset: number;
}
interface PageOptions {
  after?: string;
  limit?: number;
}
interface LogOptions extends PageOptions {
  follow?: boolean;
}

function item(run: ProtocolRun): string {
  return `${run.taigaItem.type} #${run.taigaItem.ref}`;
}

function eventRow(event: RunEvent): string[] {
  const reason = typeof event.payload.reason === 'string' ? event.payload.reason : '';
  const change = event.from === event.to ? (event.to ?? '') : `${event.from ?? '∅'} → ${event.to ?? '∅'}`;
  return [event.id, event.at, event.type, change, `${event.actor.kind}:${event.actor.name}`, reason];
}

const eventHeaders = ['ID', 'AT', 'TYPE', 'STATE', 'ACTOR', 'REASON'];

function printEventLine(out: Output, event: RunEvent): void {
  out.streamed(event, () => out.line(eventRow(event).slice(1).filter(Boolean).join('  ')));
}

/** Whether the event moved the run itself into a state with no way out. */
function endsRun(event: RunEvent, runId: string): boolean {
  return (
    event.entityId === runId &&
    event.type.startsWith('protocol_run.') &&
    event.to !== null &&
    (protocolRunMachine.states as readonly string[]).includes(event.to) &&
    isTerminal(protocolRunMachine, event.to as ProtocolRun['status'])
  );
}

/** Stops a follow on Ctrl-C: the stream ends and the command exits 0. */
function interruptible(): AbortController {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return controller;
}

async function tail(ctx: CommandContext, runId: string, after: string | undefined): Promise<void> {
  const controller = interruptible();
  const path = `/runs/${encodeURIComponent(runId)}/events/stream`;
  for await (const { data } of ctx.api.stream(path, { after, signal: controller.signal })) {
    const event = data as RunEvent;
    printEventLine(ctx.out, event);
    if (endsRun(event, runId)) return;
  }
}

async function logs(ctx: CommandContext, stepId: string, options: LogOptions): Promise<void> {
  const { out } = ctx;
  const print = (line: { stream: string; line: string }) =>
    out.streamed(line, () => out.line(line.stream === 'stderr' ? `[stderr] ${line.line}` : line.line));
  const base = `/steps/${encodeURIComponent(stepId)}/logs`;
  if (options.follow) {
    const controller = interruptible();
    for await (const { data } of ctx.api.stream(`${base}/stream`, {
      after: options.after,
      signal: controller.signal,
    })) {
      print(data as { stream: string; line: string });
    }
    return;
  }
  let after = options.after;
  do {
    const page = await ctx.api.request('GET', base, { query: { after, limit: options.limit ?? 1000 } });
    for (const line of page.lines) print(line);
    after = options.limit ? undefined : (page.next ?? undefined);
  } while (after);
}

/** A run's spending in one line: `$0.42, 12000 tokens in, 3400 out`. */
function spendText(spend: { costUsd: number; tokensIn: number; tokensOut: number }): string {
  return `${formatUsd(spend.costUsd)}, ${spend.tokensIn} tokens in, ${spend.tokensOut} out`;
}

export function registerRuns(program: Command, io: Io, env: Record<string, string | undefined>): void {
  const runs = program.command('runs').description('Runs (ProtocolRuns): list, show, events, tail, logs');

  runs
    .command('list')
    .description("List a project's runs, newest first")
    .option('-p, --project <id>', 'project id (default: $TUNDRA_PROJECT)')
    .option('-s, --status <status>', 'only runs in this status')
    .option('--limit <n>', 'page size', positiveInt, 50)
    .option('--offset <n>', 'skip this many', nonNegativeInt, 0)
    .action(
      withContext(io, env, async ({ api, out, env: vars }, options: ListOptions) => {
        const project = options.project ?? vars.TUNDRA_PROJECT;
        if (!project) throw usageError('which project? pass --project or set TUNDRA_PROJECT');
        const page = await api.request('GET', `/projects/${encodeURIComponent(project)}/runs`, {
          query: { status: options.status, limit: options.limit, offset: options.offset },
        });
        out.result(page, () => {
          out.table(
            ['ID', 'STATUS', 'ITEM', 'UPDATED', 'TITLE'],
            (page.protocols as ProtocolRun[]).map((r) => [r.id, r.status, item(r), r.updatedAt, r.title]),
          );
          if (page.total > page.offset + page.protocols.length) {
            out.line(`(${page.total} in all; next page: --offset ${page.offset + page.protocols.length})`);
          }
        });
      }),
    );

  runs
    .command('show')
    .description('Show a run with its steps and Taiga links')
    .argument('<run-id>')
    .action(
      withContext(io, env, async ({ api, out }, runId: string) => {
        const detail = await api.request<{
          protocol: WithLinks<ProtocolRun>;
          steps: WithLinks<StepRun>[];
          spend?: { costUsd: number; tokensIn: number; tokensOut: number };
        }>('GET', `/runs/${encodeURIComponent(runId)}`);
        out.result(detail, () => {
          const run = detail.protocol;
          out.line(`Run ${run.id}  ${run.status}  (version ${run.version})`);
          out.line(`  project   ${run.projectId}`);
          out.line(`  item      ${item(run)}  ${run.title}`);
          if (run.links.taigaItem) out.line(`  taiga     ${run.links.taigaItem}`);
          if (run.branch) out.line(`  branch    ${run.branch}`);
          if (run.reason) out.line(`  reason    ${run.reason}`);
          if (detail.spend) out.line(`  spent     ${spendText(detail.spend)}`);
          out.line(`  updated   ${run.updatedAt}`);
          out.line('');
          if (detail.steps.length === 0) out.line('No steps (not planned yet).');
          else
            out.table(
              ['#', 'STEP', 'STATUS', 'ATTEMPTS', 'MODEL', 'COST', 'TOKENS IN/OUT', 'TITLE'],
              detail.steps.map((s) => [
                String(s.order + 1),
                s.id,
                s.status,
                String(s.attempts),
                s.model ?? '-',
                s.spend ? formatUsd(s.spend.costUsd) : '-',
                s.spend ? `${s.spend.tokensIn}/${s.spend.tokensOut}` : '-',
                s.title,
              ]),
            );
        });
      }),
    );

  runs
    .command('events')
    .description("Show a run's event stream (who did what, when, why)")
    .argument('<run-id>')
    .option('--after <stream-id>', 'only events after this one')
    .option('--limit <n>', 'page size', positiveInt, 100)
    .action(
      withContext(io, env, async ({ api, out }, runId: string, options: PageOptions) => {
        const page = await api.request('GET', `/runs/${encodeURIComponent(runId)}/events`, {
          query: { after: options.after, limit: options.limit },
        });
        out.result(page, () => {
          out.table(eventHeaders, (page.events as RunEvent[]).map(eventRow));
          if (page.next) out.line(`(more: --after ${page.next})`);
        });
      }),
    );

  runs
    .command('tail')
    .description("Follow a run's events live until it completes or is cancelled (Ctrl-C stops)")
    .argument('<run-id>')
    .option('--after <stream-id>', 'start after this event (default: from the first)')
    .action(
      withContext(io, env, async (ctx, runId: string, options: PageOptions) =>
        tail(ctx, runId, options.after),
      ),
    );

  runs
    .command('logs')
    .description("Print a step's captured engine output")
    .argument('<step-id>')
    .option('-f, --follow', 'keep printing new output as it comes (Ctrl-C stops)')
    .option('--after <stream-id>', 'only output after this line')
    .option('--limit <n>', 'at most this many lines', positiveInt)
    .action(
      withContext(io, env, async (ctx, stepId: string, options: LogOptions) => logs(ctx, stepId, options)),
    );
}
