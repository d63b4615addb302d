import { createHash } from 'node:crypto';
import { type Project, type TaigaItemRef, taigaItemKey } from '@tundra/core';
import type { JobQueues, Keys } from '@tundra/core/server';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Inbox, InboxEntry } from '../inbox/inbox.js';
import type { Delivery, SourceAdapter } from '../sources/adapters.js';
import type { BotIdentity } from '../sources/taiga.js';
import type { CiEvent, IgnoreReason, Source } from './ingest-event.js';
import type { ProjectCache } from './project-cache.js';
import { type Rejection, RejectReason, reject } from './rejection.js';
import { repositoryMatches } from './repository-match.js';
import { type JobIntent, jobIdFor, jobPayloadFor, route } from './routing.js';

/** What became of a delivery. `label` is the bounded `kind` metric label. */
export type IngestResult =
  | { outcome: 'accepted'; label: string; eventId: string; jobs: string[]; unmatched: boolean }
  | { outcome: 'duplicate'; label: string; eventId: string }
  | { outcome: 'ignored'; label: string; reason: IgnoreReason }
  | { outcome: 'test'; label: string }
  | (Rejection & { label: string });

/** How a delivery reaches the pipeline: live from a sender, replayed by an operator, or re-driven by recovery. */
export type IngestMode =
  | { kind: 'live' }
  | { kind: 'replay'; of: string }
  | { kind: 'recover'; entryId: string };

export interface IngestServiceDeps {
  redis: Redis;
  inbox: Inbox;
  queues: JobQueues;
  /** The core store's keys: the tracked-item lookups read its indexes. */
  storeKeys: Keys;
  projects: ProjectCache;
  adapters: Record<Source, SourceAdapter>;
  bot: BotIdentity;
  logger: Logger;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Steps 2 to 5 of a webhook's way in (after the HTTP edge read the body): verify, parse and validate, normalise,
 * drop what no rule wants, de-duplicate and record in the inbox, then enqueue the jobs it causes.
 */
export class IngestService {
  constructor(private readonly deps: IngestServiceDeps) {}

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
      needsTracking ? this.isTracked(event.projectId, event.item) : false,
    ]);
    if (accepted.kind === 'duplicate')
      return { outcome: 'duplicate', label: event.kind, eventId: accepted.id };

    const due = intents.filter((intent) => !intent.requiresTracked || tracked);
    const jobs = await Promise.all(due.map((intent) => this.enqueue(intent, accepted.id)));
    // A recovered entry is confirmed whatever it causes now (its project may have changed since), or recovery would
    // take it again and again until the inbox trims it.
    if (intents.length > 0 || mode.kind === 'recover') this.confirm(accepted.id, mode);
    this.deps.logger.info(
      {
        source: event.source,
        kind: event.kind,
        eventId: accepted.id,
        // The jobs carry the event id as their correlation id: a run this event starts keeps it for its whole life.
        correlationId: accepted.id,
        jobs,
        replayOf: mode.kind === 'replay' ? mode.of : undefined,
      },
      jobs.length > 0 ? 'event accepted' : 'event accepted, no rule matched',
    );
    return {
      outcome: 'accepted',
      label: event.kind,
      eventId: accepted.id,
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
    const all = await this.deps.projects.list();
    return all
      .filter((project) => repositoryMatches(project.repository.url, event.repositoryAliases))
      .map((p) => p.id);
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

  /** Whether Tundra tracks the item: it is an active run's item, or (a task) one of a run's steps. */
  private async isTracked(projectId: string, item: TaigaItemRef): Promise<boolean> {
    const { redis, storeKeys } = this.deps;
    const [active, step] = await Promise.all([
      redis.hexists(storeKeys.activeItems(projectId), taigaItemKey(item)),
      item.type === 'task' ? redis.hexists(storeKeys.taskSteps(projectId), String(item.id)) : 0,
    ]);
    return active === 1 || step === 1;
  }

  private enqueue(intent: JobIntent, eventId: string): Promise<string> {
    const { queues } = this.deps;
    const options = { jobId: jobIdFor(intent, eventId) };
    switch (intent.job) {
      case 'run.start':
        return queues.enqueue(intent.job, jobPayloadFor(intent, eventId), options);
      case 'taiga.item_changed':
        return queues.enqueue(intent.job, jobPayloadFor(intent, eventId), options);
      case 'ci.result':
        return queues.enqueue(intent.job, jobPayloadFor(intent, eventId), options);
      default: {
        const unreachable: never = intent;
        throw new Error(`unhandled job intent ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * Takes the entry out of the pending set. A live request does not wait for it: if it is lost, recovery re-drives
   * the entry and the deterministic job ids make that a no-op.
   */
  private confirm(eventId: string, mode: IngestMode): void {
    this.deps.inbox.confirm(eventId).catch((error: unknown) => {
      this.deps.logger.warn(
        { err: error, eventId, mode: mode.kind },
        'could not confirm inbox entry; recovery will re-drive it',
      );
    });
  }
}
