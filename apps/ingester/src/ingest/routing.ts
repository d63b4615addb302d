import { type JobPayload, StartTrigger, type TriggerRule } from '@tundra/core';
import { type BotIdentity, isBot } from '../sources/taiga.js';
import type { CiEvent, IngestEvent, TaigaItemEvent } from './ingest-event.js';

/** What the rules read besides the event: the bot's identity, the Taiga project's trigger, the CI event's projects. */
export interface RouteContext {
  bot: BotIdentity;
  /** The trigger rule of the Taiga project the event came for; null for CI events. */
  trigger: TriggerRule | null;
  /** For a CI event: every project whose repository it is (none: unmatched). */
  ciProjects: readonly string[];
}

/** The routing rules, by id; `routingTable` has one row for each. */
export const RuleId = {
  // The two that start runs are named in the run.start job too.
  BotAssignment: StartTrigger.BotAssignment,
  TriggerStatus: StartTrigger.TriggerStatus,
  HumanChange: 'human_change',
  CiResult: 'ci_result',
  PullRequestFeedback: 'pr_feedback',
} as const;
export type RuleId = (typeof RuleId)[keyof typeof RuleId];

type Ids = 'sourceEventId' | 'correlationId';

/** A job an event causes, before the inbox gave the event its id. */
export type JobIntent = { rule: RuleId } & (
  | { job: 'run.start'; payload: Omit<JobPayload<'run.start'>, Ids>; requiresTracked: false }
  /** Only for an item Tundra tracks; the service looks that up in parallel with the inbox accept. */
  | { job: 'taiga.item_changed'; payload: Omit<JobPayload<'taiga.item_changed'>, Ids>; requiresTracked: true }
  | { job: 'ci.result'; payload: Omit<JobPayload<'ci.result'>, Ids>; requiresTracked: false }
  | { job: 'pr.feedback'; payload: Omit<JobPayload<'pr.feedback'>, Ids>; requiresTracked: false }
);

interface RoutingRule {
  readonly id: RuleId;
  readonly sources: readonly IngestEvent['source'][];
  readonly job: JobIntent['job'];
  /** The rule in words; docs/architecture.md shows the same table. */
  readonly when: string;
  intents(event: IngestEvent, ctx: RouteContext): JobIntent[];
}

const isBotAssigned = (event: TaigaItemEvent, bot: BotIdentity) =>
  (bot.userId !== null && event.assignees.ids.includes(bot.userId)) ||
  (bot.username !== null && event.assignees.usernames.includes(bot.username));

const taiga = (event: IngestEvent): event is TaigaItemEvent => event.source === 'taiga';
const ci = (event: IngestEvent): event is CiEvent => event.source !== 'taiga';

function startRun(rule: StartTrigger, event: TaigaItemEvent): JobIntent {
  return {
    rule,
    job: 'run.start',
    payload: { projectId: event.projectId, taigaItem: event.item, trigger: rule },
    requiresTracked: false,
  };
}

/**
 * Which queue gets which event: the one routing table. Every rule that applies adds its jobs; an event no rule
 * applies to is still recorded in the inbox and counted as unmatched.
 */
export const routingTable = [
  {
    id: RuleId.BotAssignment,
    sources: ['taiga'],
    job: 'run.start',
    when: 'A user story or task is created assigned to the bot, or a change whose diff touches assigned_to/assigned_users leaves the bot assigned (project.trigger.onBotAssignment).',
    intents: (event, ctx) =>
      taiga(event) &&
      ctx.trigger?.onBotAssignment === true &&
      (event.action === 'create' || event.assignmentChanged) &&
      isBotAssigned(event, ctx.bot)
        ? [startRun(RuleId.BotAssignment, event)]
        : [],
  },
  {
    id: RuleId.TriggerStatus,
    sources: ['taiga'],
    job: 'run.start',
    when: "A user story or task is created in, or its status is moved into, one of the project's trigger.statusSlugs.",
    intents: (event, ctx) =>
      taiga(event) &&
      event.status !== null &&
      (event.action === 'create' || event.statusChange !== null) &&
      (ctx.trigger?.statusSlugs ?? []).includes(event.status.slug)
        ? [startRun(RuleId.TriggerStatus, event)]
        : [],
  },
  {
    id: RuleId.HumanChange,
    sources: ['taiga'],
    job: 'taiga.item_changed',
    when: "A person (never the bot) changes an item Tundra tracks (an active run's item, or a step's task; for a comment, any item that had a run): moves its status, comments, clears its blocked flag, changes its assignees or deletes it; the worker reads what that means (status mapping, comment commands, feedback, board gestures).",
    intents: (event, ctx) =>
      taiga(event) &&
      event.action !== 'create' &&
      !isBot(ctx.bot, event.actor) &&
      (event.action === 'delete' ||
        event.statusChange !== null ||
        event.commented ||
        event.unblocked ||
        event.assignmentChanged)
        ? [
            {
              rule: RuleId.HumanChange,
              job: 'taiga.item_changed',
              payload: {
                projectId: event.projectId,
                taigaItem: event.item,
                byUserId: Number(event.actor.id),
                // Taiga's diff holds display names only; the new status is also in the data, by slug.
                statusFrom: event.statusChange?.from ?? null,
                statusTo: event.statusChange === null ? null : (event.status?.slug ?? event.statusChange.to),
                commented: event.commented,
                deleted: event.action === 'delete',
                unblocked: event.unblocked,
                ...(event.assignmentChanged ? { botAssigned: isBotAssigned(event, ctx.bot) } : {}),
              },
              requiresTracked: true,
            },
          ]
        : [],
  },
  {
    id: RuleId.CiResult,
    sources: ['github', 'gitlab', 'ci'],
    job: 'ci.result',
    when: 'A CI run finished with success or failure, or a pull/merge request was merged or closed, on a repository some project uses: one job per such project, with repository, branch and head SHA.',
    intents: (event, ctx) => {
      if (!ci(event) || event.outcome === 'feedback') return [];
      const { outcome } = event;
      return ctx.ciProjects.map((projectId) => ({
        rule: RuleId.CiResult,
        job: 'ci.result',
        payload: {
          projectId,
          repository: event.repository,
          branch: event.branch,
          sha: event.sha,
          outcome,
          url: event.url,
          ...(event.mergeCommitSha ? { mergeCommitSha: event.mergeCommitSha } : {}),
        },
        requiresTracked: false,
      }));
    },
  },
  {
    id: RuleId.PullRequestFeedback,
    sources: ['github', 'gitlab'],
    job: 'pr.feedback',
    when: 'A review, a review comment or a comment on a pull/merge request of a repository some project uses: one job per such project, with the PR number and the author; the planner reads the feedback from the forge.',
    intents: (event, ctx) =>
      ci(event) && event.outcome === 'feedback' && event.feedback
        ? ctx.ciProjects.map((projectId) => ({
            rule: RuleId.PullRequestFeedback,
            job: 'pr.feedback',
            payload: {
              projectId,
              repository: event.repository,
              number: event.feedback!.number,
              branch: event.branch === '' ? null : event.branch,
              kind: event.feedback!.kind,
              author: event.feedback!.author,
            },
            requiresTracked: false,
          }))
        : [],
  },
] as const satisfies readonly RoutingRule[];

/**
 * The jobs an event causes, one per (job name, project): two rules that both start the same run make one job.
 */
export function route(event: IngestEvent, ctx: RouteContext): JobIntent[] {
  const seen = new Set<string>();
  const intents: JobIntent[] = [];
  for (const rule of routingTable as readonly RoutingRule[]) {
    if (!rule.sources.includes(event.source)) continue;
    for (const intent of rule.intents(event, ctx)) {
      const key = `${intent.job}/${intent.payload.projectId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      intents.push(intent);
    }
  }
  return intents;
}

/** A job's BullMQ id: derived from the delivery id, so a recovery re-drive of the same delivery cannot add it twice. */
export function jobIdFor(intent: JobIntent, deliveryId: string): string {
  return `${intent.job}-${intent.payload.projectId}-${deliveryId}`;
}

/** The intent's full payload, with the delivery id as source (`sourceEventId`, its stored name) and correlation id. */
export function jobPayloadFor<I extends JobIntent>(
  intent: I,
  deliveryId: string,
): I['payload'] & Record<Ids, string> {
  return { ...intent.payload, sourceEventId: deliveryId, correlationId: deliveryId };
}
