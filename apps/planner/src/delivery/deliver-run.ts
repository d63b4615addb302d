import {
  deliveryOf,
  NonRetryableError,
  type Project,
  type ProtocolRun,
  type PullRequestDelivery,
  pullRequestBody,
  pullRequestTitle,
} from '@tundra/core';
import type { DeliveryMetrics, RunCommands, StateStore } from '@tundra/core/server';
import type { ForgeClient } from '@tundra/forge';
import type { TaigaClient } from '@tundra/taiga';
import type { Logger } from 'pino';
import { readPlanItem } from '../planning/taiga-item-reader.js';
import { replyToFixup, startFixupRound } from './review-loop.js';

const actor = { kind: 'system', name: 'planner' } as const;

class NoBranchError extends NonRetryableError {
  readonly code = 'DELIVERY_NO_BRANCH';
}

export interface DeliverRunDeps {
  store: StateStore;
  commands: RunCommands;
  taiga: Pick<TaigaClient, 'getUserStory' | 'getTask' | 'listTasks' | 'createTask'>;
  /** The project's forge client (its token read from the environment); throws when the token is not set. */
  forgeFor: (delivery: PullRequestDelivery) => ForgeClient;
  /** Taiga's web front (TUNDRA_TAIGA_WEB_URL), for the story's link in the PR; null: no link. */
  taigaWebUrl: string | null;
  metrics: DeliveryMetrics;
  now?: () => Date;
}

export type DeliverOutcome = { outcome: 'in_review' | 'blocked' | 'not_applied'; url?: string };

/**
 * A run whose steps are all done goes to review: its pull/merge request is opened from the run's branch, or the
 * one that exists is found (by head branch, GitHub's 422 and GitLab's 409 included) and its title and body brought
 * up to date, and the run moves to `in_review`. Never a second PR for the run: the look-up by head comes first, and
 * the transition is keyed by the run's version, so a duplicate advance finds the PR and changes nothing more.
 * A token the forge refuses, or a repository it does not know, blocks the run with the forge's reason.
 */
export async function deliverRun(
  deps: DeliverRunDeps,
  run: ProtocolRun,
  project: Project,
  logger: Logger,
): Promise<DeliverOutcome> {
  const delivery = deliveryOf(project);
  if (delivery.kind !== 'pull-request')
    throw new Error(`project ${project.id} does not deliver by pull request`);
  const now = deps.now ?? (() => new Date());
  try {
    if (!run.branch) throw new NoBranchError('the run has no branch to open a pull request from');
    const forge = deps.forgeFor(delivery);
    const [item, steps, events] = await Promise.all([
      readPlanItem(deps.taiga, run.taigaItem),
      deps.store.runs.listSteps(run.id),
      deps.store.events.readRun(run.id, { count: 10_000 }),
    ]);
    const storyUrl =
      deps.taigaWebUrl && run.taigaItem.type === 'userstory'
        ? `${deps.taigaWebUrl.replace(/\/$/, '')}/project/${project.taiga.projectSlug}/us/${item.ref}`
        : null;
    const title = pullRequestTitle(item.ref, item.subject);
    const body = pullRequestBody({
      run,
      steps,
      storyUrl,
      description: item.description,
      elapsedMs: Math.max(0, now().getTime() - Date.parse(run.createdAt)),
    });
    const opened = await forge.openPullRequest({
      head: run.branch,
      base: delivery.baseBranch ?? project.repository.baseBranch,
      title,
      body,
      ...(delivery.draft !== undefined ? { draft: delivery.draft } : {}),
    });
    let pullRequest = opened.pullRequest;
    if (opened.created) {
      // Asked once, when opened: a person who removed a reviewer or a label meant it.
      if (delivery.reviewers?.length) await forge.requestReviewers(pullRequest.number, delivery.reviewers);
      if (delivery.labels?.length) await forge.addLabels(pullRequest.number, delivery.labels);
    } else if (pullRequest.title !== title || pullRequest.body !== body) {
      pullRequest = await forge.updatePullRequest(pullRequest.number, { title, body });
    }
    const openedAt =
      run.pullRequest?.number === pullRequest.number ? run.pullRequest.openedAt : now().toISOString();
    // Back from a fix-up round: say what was pushed before the run is in review again.
    if (run.pullRequest?.number === pullRequest.number)
      await replyToFixup(forge, { ...run, pullRequest: run.pullRequest }, steps, events);
    const transition = await deps.commands.transitionRun(run.id, 'pr_opened', {
      actor,
      idempotencyKey: `pr_opened:${run.id}:${run.version}`,
      patch: () => ({
        pullRequest: { forge: delivery.forge, number: pullRequest.number, url: pullRequest.url, openedAt },
      }),
      payload: {
        pullRequestUrl: pullRequest.url,
        pullRequestNumber: pullRequest.number,
        forge: delivery.forge,
        created: opened.created,
      },
    });
    if (transition.kind === 'applied') {
      const forgeLabel = { forge: delivery.forge };
      deps.metrics.pullRequests.inc({ ...forgeLabel, event: opened.created ? 'opened' : 'updated' });
      if (!run.pullRequest)
        deps.metrics.runToPullRequest.observe(
          forgeLabel,
          Math.max(0, (now().getTime() - Date.parse(run.createdAt)) / 1000),
        );
    }
    logger.info(
      { pullRequest: pullRequest.url, created: opened.created, transition: transition.kind },
      'run delivered for review',
    );
    if (transition.kind === 'applied') {
      // Back from a fix-up round: take what people said while it ran.
      const inReview = { ...transition.record, pullRequest: transition.record.pullRequest! };
      await startFixupRound(deps, inReview, project, logger);
    }
    return { outcome: transition.kind === 'applied' ? 'in_review' : 'not_applied', url: pullRequest.url };
  } catch (error) {
    if (!(error instanceof NonRetryableError)) throw error;
    const reason = `Tundra could not open the pull request on ${delivery.forge} ${delivery.repo}: ${error.message}`;
    const blocked = await deps.commands.transitionRun(run.id, 'blocked', {
      actor,
      reason,
      patch: () => ({ reason }),
      idempotencyKey: `deliver-failed:${run.id}:${run.version}`,
    });
    logger.warn({ err: error, outcome: blocked.kind }, 'delivery refused: run blocked');
    return { outcome: 'blocked' };
  }
}
