import {
  actionableFeedback,
  decideFixup,
  defaultReviewRounds,
  deliveryOf,
  type FeedbackItem,
  type FixupCause,
  feedbackKey,
  fixupInstructions,
  fixupStepId,
  fixupTitle,
  isFixupStepId,
  type Project,
  type ProtocolRun,
  type PullRequestDelivery,
  type RunEvent,
  type StepRun,
  tundraReplyMarker,
} from '@tundra/core';
import type { DeliveryMetrics, JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import type { ForgeClient } from '@tundra/forge';
import type { TaigaClient } from '@tundra/taiga';
import type { Logger } from 'pino';
import { startCiFixup } from './ci-fixup.js';

const actor = { kind: 'system', name: 'planner' } as const;

export interface ReviewLoopDeps {
  store: StateStore;
  commands: RunCommands;
  taiga: Pick<TaigaClient, 'listTasks' | 'createTask'>;
  forgeFor: (delivery: PullRequestDelivery) => ForgeClient;
  metrics: DeliveryMetrics;
}

export type PullRequestRun = ProtocolRun & { pullRequest: NonNullable<ProtocolRun['pullRequest']> };

const withWriteAccess = new Set(['write', 'admin']);
const noAccessNotice = (author: string) =>
  `@${author}: Tundra takes review requests only from people with write access to the repository, so it leaves this one to a maintainer.`;

/**
 * `pr.feedback`: someone reviewed or commented on a run's pull request. A run in review starts a fix-up round; a run
 * that is working on one (or blocked, or paused) leaves the feedback where it is, and the next round takes it when
 * the run comes back to review. The webhook is only a nudge: what was said is read from the forge.
 */
export function createPullRequestFeedbackHandler(deps: ReviewLoopDeps): JobHandler<'pr.feedback'> {
  return async (payload, { logger }) => {
    const project = await deps.store.projects.get(payload.projectId);
    if (!project || deliveryOf(project).kind !== 'pull-request') return { outcome: 'not_delivering' };
    const run = (await deps.store.runs.findRunInStatuses(
      project.id,
      ['in_review', 'running', 'blocked', 'paused'],
      (candidate) => candidate.pullRequest?.number === payload.number,
    )) as PullRequestRun | null;
    if (!run) {
      logger.info({ number: payload.number }, 'feedback on a pull request no active run has');
      return { outcome: 'unmatched' };
    }
    const log = logger.child({ protocolRunId: run.id, correlationId: run.correlationId });
    if (run.status !== 'in_review') {
      log.info({ status: run.status }, 'feedback queued for the next review round');
      return { outcome: 'queued' };
    }
    if (payload.kind === 'ci_failure' && payload.sha)
      return startCiFixup(deps, run, project, payload.sha, log);
    return startFixupRound(deps, run, project, log);
  };
}

/**
 * Takes the feedback no earlier round took: none starts nothing; past `limits.reviewRounds` the run blocks with
 * the reason (on Taiga and on the PR); otherwise one fix-up step for all of it is appended and the run goes back to
 * running. Idempotent per round: the step's id and the transition's key derive from the round's number.
 */
export async function startFixupRound(
  deps: ReviewLoopDeps,
  run: PullRequestRun,
  project: Project,
  logger: Logger,
): Promise<{ outcome: string; round?: number }> {
  const delivery = deliveryOf(project) as PullRequestDelivery;
  const forge = deps.forgeFor(delivery);
  const pr = run.pullRequest;
  const [steps, events] = await Promise.all([
    deps.store.runs.listSteps(run.id),
    deps.store.events.readRun(run.id, { count: 10_000 }),
  ]);
  const fixups = steps.filter((step) => isFixupStepId(step.id, 'review'));
  const [reviews, reviewComments, comments] = await Promise.all([
    forge.listReviews(pr.number),
    forge.listReviewComments(pr.number),
    forge.listComments(pr.number),
  ]);
  const asked = actionableFeedback(
    { reviews, reviewComments, comments },
    { handled: handledFeedback(events) },
  );
  const items = await fromWriters(deps.store, run.id, forge, pr.number, asked, logger);
  const limit = project.limits.reviewRounds ?? defaultReviewRounds;
  const decision = decideFixup(items, fixups.length, limit);
  switch (decision.kind) {
    case 'none':
      return { outcome: 'nothing_asked' };
    case 'limit_reached': {
      const reason = `the pull request had ${decision.rounds} review round${decision.rounds === 1 ? '' : 's'}, the project's limit (limits.reviewRounds): a person takes it from here`;
      const blocked = await deps.commands.transitionRun(run.id, 'blocked', {
        actor,
        reason,
        patch: () => ({ reason }),
        idempotencyKey: `review-limit:${run.id}:${run.version}`,
      });
      if (blocked.kind === 'applied')
        await forge.comment(pr.number, `⛔ Tundra stopped: ${reason}.\n\n${tundraReplyMarker(run.id)}`);
      logger.info({ rounds: decision.rounds, outcome: blocked.kind }, 'review rounds used up: run blocked');
      return { outcome: 'limit_reached' };
    }
    case 'fixup':
      return appendFixup(
        deps,
        run,
        project,
        { cause: 'review', round: decision.round, items: decision.items },
        logger,
      );
    default: {
      const unexpected: never = decision;
      throw new Error(`unexpected fix-up decision ${JSON.stringify(unexpected)}`);
    }
  }
}

/**
 * Appends the round's fix-up step (with its Taiga task) while the run is in review, and sends the run back to
 * running. Idempotent per cause and round: the step's id and the transition's key derive from them.
 */
export async function appendFixup(
  deps: ReviewLoopDeps,
  run: PullRequestRun,
  project: Project,
  fixup: { cause: FixupCause; round: number; items: readonly FeedbackItem[] },
  logger: Logger,
): Promise<{ outcome: string; round: number }> {
  const { cause, round, items } = fixup;
  const delivery = deliveryOf(project) as PullRequestDelivery;
  const stepRunId = fixupStepId(run.id, round, cause);
  const title = fixupTitle(round, items);
  const taigaTaskId = await fixupTask(deps, run, project, title, round);
  const appended = await deps.store.runs.appendStep(
    run.id,
    {
      stepId: stepRunId,
      step: { title, instructions: fixupInstructions(run.pullRequest.url, items), taigaTaskId },
      expectedStatus: 'in_review',
    },
    {
      actor,
      payload: {
        round,
        feedbackKeys: items.map(feedbackKey),
        threadIds: [...new Set(items.flatMap((item) => (item.threadId ? [item.threadId] : [])))],
      },
    },
  );
  if (appended.kind === 'not_found' || appended.kind === 'status_mismatch') {
    logger.info({ outcome: appended.kind }, 'fix-up not appended: the run moved on');
    return { outcome: appended.kind, round };
  }
  const moved = await deps.commands.transitionRun(run.id, 'fixup_requested', {
    actor,
    reason: title,
    idempotencyKey: `fixup:${run.id}:${cause}:${round}`,
    payload: { cause, round, stepRunId, items: items.length },
  });
  if (moved.kind === 'applied')
    deps.metrics.reviewRounds.inc({ forge: delivery.forge, trigger: items[0]?.kind ?? 'review' });
  logger.info({ cause, round, items: items.length, outcome: moved.kind }, 'fix-up round started');
  return { outcome: moved.kind === 'applied' ? 'fixup' : moved.kind, round };
}

/** The fix-up's task under the story, so the board shows the extra work; found again by its subject on a retry. */
async function fixupTask(
  deps: ReviewLoopDeps,
  run: ProtocolRun,
  project: Project,
  title: string,
  round: number,
): Promise<number | null> {
  if (run.taigaItem.type !== 'userstory') return null;
  const subject = `${title} (run …${run.id.slice(-6)})`;
  const existing = await deps.taiga.listTasks(
    { project: project.taiga.projectId, user_story: run.taigaItem.id },
    'disable',
  );
  const found = existing.find((task) => task.subject === subject);
  if (found) return found.id;
  const created = await deps.taiga.createTask({
    project: project.taiga.projectId,
    user_story: run.taigaItem.id,
    subject,
    description: `Fix-up round ${round} of Tundra run ${run.id}, asked for on ${run.pullRequest?.url ?? 'the pull request'}.`,
  });
  return created.id;
}

/**
 * The items whose authors may write to the repository. The others are left out, and each such author is told once
 * on the PR (claimed in the store before it is posted: a crash in between loses the notice rather than repeat it).
 */
async function fromWriters(
  store: StateStore,
  runId: string,
  forge: ForgeClient,
  number: number,
  items: readonly FeedbackItem[],
  logger: Logger,
): Promise<FeedbackItem[]> {
  const authors = [...new Set(items.map((item) => item.author))];
  const permissions = new Map(
    await Promise.all(authors.map(async (author) => [author, await forge.userPermission(author)] as const)),
  );
  for (const author of authors) {
    if (withWriteAccess.has(permissions.get(author) ?? 'none')) continue;
    if (await store.runs.claimOnce(runId, `no-access:${author}`))
      await forge.comment(number, noAccessNotice(author));
    logger.info({ author }, 'feedback from someone without write access ignored');
  }
  return items.filter((item) => withWriteAccess.has(permissions.get(item.author) ?? 'none'));
}

/** What earlier rounds took: the keys their `step_run.appended` events list. */
export function handledFeedback(events: readonly RunEvent[]): Set<string> {
  const keys = new Set<string>();
  for (const event of events) {
    if (event.type !== 'step_run.appended' || !Array.isArray(event.payload.feedbackKeys)) continue;
    for (const key of event.payload.feedbackKeys) if (typeof key === 'string') keys.add(key);
  }
  return keys;
}

/**
 * The reply once a fix-up round is pushed, before the run goes back to review: on the PR, the commit and the
 * summary, and in each review thread the round took, a pointer to it. What the forge shows already is not posted
 * again, so a retried delivery replies once; and whoever waits for the run to be in review finds the reply there.
 */
export async function replyToFixup(
  forge: ForgeClient,
  run: PullRequestRun,
  steps: readonly StepRun[],
  events: readonly RunEvent[],
): Promise<boolean> {
  const last = [...steps].sort((a, b) => a.order - b.order).at(-1);
  if (!last || !isFixupStepId(last.id) || last.status !== 'completed') return false;
  const appended = events.find((event) => event.type === 'step_run.appended' && event.entityId === last.id);
  const commit = last.commitSha ? `\`${last.commitSha.slice(0, 12)}\`` : 'no new commit';
  const mine = (body: string) => body.trimEnd().endsWith(tundraReplyMarker(run.id));
  const heading = `🔧 ${last.title}: pushed ${commit}`;
  const [comments, reviewComments] = await Promise.all([
    forge.listComments(run.pullRequest.number),
    forge.listReviewComments(run.pullRequest.number),
  ]);
  if (!comments.some((comment) => mine(comment.body) && comment.body.startsWith(heading)))
    await forge.comment(
      run.pullRequest.number,
      `${heading}${last.resultSummary ? `\n\n${last.resultSummary}` : ''}\n\n${tundraReplyMarker(run.id)}`,
    );
  const addressed = `Addressed in ${commit}.`;
  const threads = Array.isArray(appended?.payload.threadIds) ? appended.payload.threadIds : [];
  for (const thread of threads) {
    if (typeof thread !== 'string') continue;
    const replied = reviewComments.some(
      (comment) => comment.threadId === thread && mine(comment.body) && comment.body.startsWith(addressed),
    );
    if (!replied)
      await forge.replyToThread(
        run.pullRequest.number,
        thread,
        `${addressed}\n\n${tundraReplyMarker(run.id)}`,
      );
  }
  return true;
}
