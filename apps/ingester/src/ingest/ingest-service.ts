import { createHash } from 'node:crypto';
import { type Project, type TaigaItemRef, taigaItemKey } from '@tundra/core';
import type { BulkJob, JobQueues, TrackedItems } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Delivery, SourceAdapter } from '../sources/adapters.js';
import type { BotIdentity } from '../sources/taiga.js';
import type { Inbox, InboxEntry } from '../store/inbox.js';
import type { CiEvent, IgnoreReason, Source } from './ingest-event.js';
import { JobBatch } from './job-batch.js';
import type { ProjectCache } from './project-cache.js';
import { type Rejection, RejectReason, reject } from './rejection.js';
import { repositoryMatches } from './repository-match.js';
import { type JobIntent, jobIdFor, jobPayloadFor, route } from './routing.js';

/** What became of a delivery. `label` is the bounded `kind` metric label. */
export type IngestResult =
  | { outcome: 'accepted'; label: string; deliveryId: string; jobs: string[]; unmatched: boolean }
  | { outcome: 'duplicate'; label: string; deliveryId: string }
  | { outcome: 'ignored'; label: string; reason: IgnoreReason }
  | { outcome: 'test'; label: string }
  | (Rejection & { label: string });

/** How a delivery reaches the pipeline: live from a sender, replayed by an operator, or re-driven by recovery. */
export type IngestMode =
  | { kind: 'live' }
  | { kind: 'replay'; of: string }
  | { kind: 'recover'; entryId: string };

export interface IngestServiceDeps {
  inbox: Inbox;
  queues: JobQueues;
  /** Which Taiga items Tundra follows (the core store's indexes). */
  items: TrackedItems;
  projects: ProjectCache;
  adapters: Record<Source, SourceAdapter>;
  bot: BotIdentity;
  logger: Logger;
  /** How long a live event's jobs wait for others' before they are added in one round trip (ms). */
  batchWindowMs?: number;
  /** Told how long each live event waited from its answer to its jobs being in Redis (s). */
  onJobsAdded?: (delaysSeconds: readonly number[]) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Steps 2 to 5 of a webhook's way in (after the HTTP edge read the body): verify, parse and validate, normalise,
 * drop what no rule wants, de-duplicate and record in the inbox, then enqueue the jobs it causes.
 */
export class IngestService {
  private readonly batch: JobBatch;

  constructor(private readonly deps: IngestServiceDeps) {
    this.batch = new JobBatch({
      enqueue: (jobs) => deps.queues.enqueueBulk(jobs),
      confirm: (ids) => deps.inbox.confirm(...ids),
      onError: (error, ids) =>
        deps.logger.warn(
          { err: error, deliveryIds: ids },
          'could not add the jobs of accepted deliveries; recovery will re-drive them',
        ),
      onAdded: deps.onJobsAdded,
      windowMs: deps.batchWindowMs ?? 5,
      maxDeliveries: 100,
    });
  }

  /** Adds the jobs of every delivery accepted so far: resolves once they are in Redis (or left to recovery). */
  settled(): Promise<void> {
    return this.batch.flush();
  }

  async ingest(delivery: Delivery, mode: IngestMode = { kind: 'live' }): Promise<IngestResult> {
    const { adapters, projects } = this.deps;
    const adapter = adapters[delivery.source];
    let project: Project | null = null;
    if (delivery.source === 'taiga') {
      project = await projects.get(delivery.projectKey ?? '');
      if (!project)
        return {
          ...reject(404, RejectReason.UnknownProject, `no project '${delivery.projectKey}'`),
          label: 'unknown',
        };
    }
    const ctx = { project, stored: mode.kind !== 'live' };
    const refused = adapter.authenticate(delivery, ctx);
    if (refused) return { ...refused, label: 'unknown' };

    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(delivery.body));
    } catch (error) {
      const message =
        error instanceof SyntaxError ? `body is not JSON: ${error.message}` : 'body is not UTF-8';
      return { ...reject(400, RejectReason.MalformedJson, message), label: 'unknown' };
    }

    const normalised = adapter.normalise(json, delivery, ctx);
    switch (normalised.kind) {
      case 'invalid':
        return {
          ...reject(
            400,
            RejectReason.InvalidPayload,
            `body does not have the shape ${delivery.source} sends`,
            normalised.issues,
          ),
          label: 'unknown',
        };
      case 'test':
        return { outcome: 'test', label: normalised.label };
      case 'ignored':
        return { outcome: 'ignored', label: normalised.label, reason: normalised.reason };
      case 'event':
        break;
      default: {
        const unreachable: never = normalised;
        throw new Error(`unhandled normalisation ${JSON.stringify(unreachable)}`);
      }
    }
    const event = normalised.event;
    const ciProjects = event.source === 'taiga' ? [] : await this.projectsFor(event);
    if (ciProjects === null) {
      return {
        ...reject(404, RejectReason.UnknownProject, `no project '${(event as CiEvent).projectHint}'`),
        label: event.kind,
      };
    }
    const intents = route(event, { bot: this.deps.bot, trigger: project?.trigger ?? null, ciProjects });
    const item = event.source === 'taiga' ? event.item : null;
    const needsTracking = event.source === 'taiga' && intents.some((intent) => intent.requiresTracked);
    const [accepted, tracked] = await Promise.all([
      this.record(delivery, adapter, item, intents.length > 0, mode),
      needsTracking
        ? this.deps.items.isTracked(event.projectId, event.item, { commented: event.commented })
        : false,
    ]);
    if (accepted.kind === 'duplicate')
      return { outcome: 'duplicate', label: event.kind, deliveryId: accepted.id };

    const due = intents
      .filter((intent) => !intent.requiresTracked || tracked)
      .map((intent) => bulkJob(intent, accepted.id));
    const jobs = due.map((job) => job.options.jobId);
    if (mode.kind === 'live') {
      // Answered now: the event is in the inbox and pending; the batch adds its jobs and confirms it.
      if (intents.length > 0) this.batch.add(accepted.id, due);
    } else {
      // A replay answers once its jobs are added; a recovered entry is confirmed whatever it causes now (its project
      // may have changed since), or recovery would take it again and again until the inbox trims it.
      if (due.length > 0) await this.deps.queues.enqueueBulk(due);
      if (intents.length > 0 || mode.kind === 'recover') await this.deps.inbox.confirm(accepted.id);
    }
    // Debug, not info: a line per webhook cost about as much CPU as parsing and validating it. The inbox keeps every
    // delivery, and the jobs carry the delivery id as their correlation id into every worker's log lines.
    this.deps.logger.debug(
      {
        source: event.source,
        kind: event.kind,
        deliveryId: accepted.id,
        correlationId: accepted.id,
        jobs,
        replayOf: mode.kind === 'replay' ? mode.of : undefined,
      },
      jobs.length > 0 ? 'delivery accepted' : 'delivery accepted, no rule matched',
    );
    return {
      outcome: 'accepted',
      label: event.kind,
      deliveryId: accepted.id,
      jobs,
      unmatched: jobs.length === 0,
    };
  }

  /** Re-drives an inbox entry: as a replay (a new entry, no de-duplication) or as a recovery (same entry id). */
  redrive(entry: InboxEntry, mode: Exclude<IngestMode, { kind: 'live' }>): Promise<IngestResult> {
    return this.ingest(
      {
        source: entry.source,
        projectKey: entry.projectKey,
        headers: entry.headers,
        body: entry.body,
        receivedAt: new Date(entry.receivedAt),
      },
      mode,
    );
  }

  /** The projects a CI event is for: the one it names, or those using its repository; null if it names an unknown one. */
  private async projectsFor(event: CiEvent): Promise<string[] | null> {
    if (event.projectHint !== null) {
      return (await this.deps.projects.get(event.projectHint)) ? [event.projectHint] : null;
    }
    const using = (all: Project[]) =>
      all
        .filter((project) => repositoryMatches(project.repository.url, event.repositoryAliases))
        .map((p) => p.id);
    const found = using(await this.deps.projects.list());
    return found.length > 0 ? found : using(await this.deps.projects.listAfterMiss());
  }

  private async record(
    delivery: Delivery,
    adapter: SourceAdapter,
    item: TaigaItemRef | null,
    causesJobs: boolean,
    mode: IngestMode,
  ): Promise<{ kind: 'accepted' | 'duplicate'; id: string }> {
    if (mode.kind === 'recover') return { kind: 'accepted', id: mode.entryId };
    const headers: Record<string, string> = {};
    for (const name of adapter.keptHeaders) {
      const value = delivery.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const deliveryKey =
      adapter.deliveryKey(delivery) ?? `sha256:${createHash('sha256').update(delivery.body).digest('hex')}`;
    return this.deps.inbox.accept(
      {
        source: delivery.source,
        projectKey: delivery.projectKey,
        receivedAt: delivery.receivedAt.toISOString(),
        headers,
        body: delivery.body,
        item: item ? taigaItemKey(item) : null,
        replayOf: mode.kind === 'replay' ? mode.of : null,
      },
      {
        dedupe:
          mode.kind === 'live'
            ? { scope: `${delivery.source}:${delivery.projectKey ?? ''}`, key: deliveryKey }
            : null,
        causesJobs,
      },
    );
  }
}

/**
 * The job an intent becomes once the inbox gave its event an id; the job id is derived from that id. `JobIntent`
 * pairs each job name with its payload type, which TypeScript cannot carry through the union, so the pairing is
 * asserted here and checked at run time: `enqueueBulk` parses every payload against its contract. A new rule's job
 * needs nothing here.
 */
function bulkJob(intent: JobIntent, deliveryId: string): BulkJob & { options: { jobId: string } } {
  return {
    name: intent.job,
    payload: jobPayloadFor(intent, deliveryId),
    options: { jobId: jobIdFor(intent, deliveryId) },
  } as BulkJob & { options: { jobId: string } };
}
