import express, { type Request, type Response, type Router } from 'express';
import { paginate } from '../http/pagination.js';
import {
  addComment,
  addLabels,
  addLineComment,
  editPull,
  mergePull,
  openPull,
  type Refusal,
  replyInThread,
  requestReviewers,
} from '../model/operations.js';
import type { PullRecord } from '../model/types.js';
import { type GitlabRouteDeps, listParam, mergeRequestFor, param, projectFor } from './context.js';
import { gitlabErrors } from './respond.js';
import {
  gitlabDiscussions,
  gitlabMergeRequest,
  gitlabNote,
  gitlabPipeline,
  gitlabUser,
} from './serialize.js';

const stateFilter: Record<string, PullRecord['state'] | 'all'> = {
  opened: 'open',
  closed: 'closed',
  merged: 'merged',
  all: 'all',
};

/** Merge requests, their notes, discussions, reviewers and pipelines: `/projects/:id/merge_requests/...`. */
export function gitlabMergeRequestRoutes(deps: GitlabRouteDeps): Router {
  const router = express.Router();
  const { ctx, view } = deps;
  const page = <T>(req: Request, res: Response, items: readonly T[]) =>
    paginate(req, res, items, { forge: 'gitlab', publicBase: view.web, defaultPerPage: 20 });

  const refused = (res: Response, refusal: Refusal) => {
    switch (refusal.reason) {
      case 'duplicate':
        return gitlabErrors.message(res, 409, [
          `Another open merge request already exists for this source branch: !${refusal.existing.number}`,
        ]);
      case 'head_missing':
        return gitlabErrors.message(res, 422, ['Source branch does not exist']);
      case 'base_missing':
        return gitlabErrors.message(res, 422, ['Target branch does not exist']);
      case 'no_commits':
        // GitLab opens a merge request without changes; the sandbox only refuses what GitLab refuses.
        return gitlabErrors.message(res, 422, ['Source branch has no commits the target branch lacks']);
      case 'not_open':
        return gitlabErrors.message(res, 405, '405 Method Not Allowed');
      case 'conflict':
        return gitlabErrors.message(res, 422, 'Branch cannot be merged');
      case 'sha_mismatch':
      case 'moved':
        return gitlabErrors.message(res, 409, 'SHA does not match HEAD of source branch');
      case 'unknown_user':
        return gitlabErrors.message(res, 400, {
          reviewers: [`${refusal.login} is not a member of the project`],
        });
      case 'unknown_thread':
        return gitlabErrors.notFound(res, 'Discussion Not Found');
      default: {
        const unreachable: never = refusal;
        throw new Error(`unhandled refusal ${JSON.stringify(unreachable)}`);
      }
    }
  };

  const reviewerLogins = (req: Request): string[] | null => {
    const ids = listParam(req, 'reviewer_ids');
    if (ids === undefined) return [];
    const logins: string[] = [];
    for (const id of ids) {
      const user = ctx.store.state.users.find((candidate) => String(candidate.id) === id);
      if (!user) return null;
      logins.push(user.login);
    }
    return logins;
  };

  router.get('/projects/:id/merge_requests', (req, res) => {
    const found = projectFor(deps, req, res, 'read');
    if (!found) return;
    const state = stateFilter[String(req.query.state ?? 'all')] ?? 'all';
    const pulls = ctx.store
      .pulls(found.repo.id)
      .filter(
        (pull) =>
          (state === 'all' || pull.state === state) &&
          (typeof req.query.source_branch !== 'string' || pull.head === req.query.source_branch) &&
          (typeof req.query.target_branch !== 'string' || pull.base === req.query.target_branch),
      )
      .sort((a, b) => (req.query.sort === 'asc' ? a.number - b.number : b.number - a.number));
    res.json(page(req, res, pulls).map((pull) => gitlabMergeRequest(view, found.repo, pull, false)));
  });

  router.post('/projects/:id/merge_requests', async (req, res) => {
    const found = projectFor(deps, req, res, 'write');
    if (!found) return;
    const source = param(req, 'source_branch');
    const target = param(req, 'target_branch');
    const rawTitle = param(req, 'title');
    const missing = [!source && 'source_branch', !target && 'target_branch', !rawTitle && 'title'].filter(
      Boolean,
    ) as string[];
    if (missing.length > 0) return gitlabErrors.missing(res, missing);
    const logins = reviewerLogins(req);
    if (logins === null) return gitlabErrors.invalid(res, 'reviewer_ids');
    const draft = /^(draft:|\[draft\]|\(draft\))\s*/i.test(rawTitle!) || param(req, 'draft') === 'true';
    const opened = await openPull(ctx, found.repo, found.caller.user, {
      title: rawTitle!.replace(/^(draft:|\[draft\]|\(draft\))\s*/i, ''),
      body: param(req, 'description') ?? '',
      head: source!,
      base: target!,
      draft,
    });
    if (!opened.ok) return refused(res, opened.refusal);
    addLabels(ctx, found.repo, opened.value, found.caller.user, listParam(req, 'labels') ?? []);
    const requested = requestReviewers(ctx, found.repo, opened.value, found.caller.user, logins);
    if (!requested.ok) return refused(res, requested.refusal);
    res.status(201).json(gitlabMergeRequest(view, found.repo, opened.value, true));
  });

  router.get('/projects/:id/merge_requests/:iid', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (found) res.json(gitlabMergeRequest(view, found.repo, found.pull, true));
  });

  router.put('/projects/:id/merge_requests/:iid', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'write');
    if (!found) return;
    const stateEvent = param(req, 'state_event');
    if (stateEvent !== undefined && stateEvent !== 'close' && stateEvent !== 'reopen') {
      return gitlabErrors.message(res, 400, { error: 'state_event does not have a valid value' });
    }
    const logins = reviewerLogins(req);
    if (logins === null) return gitlabErrors.invalid(res, 'reviewer_ids');
    const edited = editPull(ctx, found.repo, found.pull, found.caller.user, {
      title: param(req, 'title'),
      body: param(req, 'description'),
      state: stateEvent === undefined ? undefined : stateEvent === 'close' ? 'closed' : 'open',
    });
    if (!edited.ok) return refused(res, edited.refusal);
    const replaced = listParam(req, 'labels');
    if (replaced !== undefined)
      found.pull.labels = found.pull.labels.filter((label) => replaced.includes(label));
    addLabels(ctx, found.repo, found.pull, found.caller.user, [
      ...(replaced ?? []),
      ...(listParam(req, 'add_labels') ?? []),
    ]);
    const requested = requestReviewers(ctx, found.repo, found.pull, found.caller.user, logins);
    if (!requested.ok) return refused(res, requested.refusal);
    res.json(gitlabMergeRequest(view, found.repo, found.pull, true));
  });

  router.put('/projects/:id/merge_requests/:iid/merge', async (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'write');
    if (!found) return;
    const merged = await mergePull(ctx, found.repo, found.pull, found.caller.user, {
      sha: param(req, 'sha'),
      method: param(req, 'squash') === 'true' ? 'squash' : 'merge',
      message:
        param(req, 'merge_commit_message') ??
        `Merge branch '${found.pull.head}' into '${found.pull.base}'\n\n${found.pull.title}\n\nSee merge request ${found.repo.fullName}!${found.pull.number}`,
    });
    if (!merged.ok) return refused(res, merged.refusal);
    res.json(gitlabMergeRequest(view, found.repo, merged.value, true));
  });

  router.get('/projects/:id/merge_requests/:iid/notes', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    const orderBy = req.query.order_by === 'updated_at' ? 'updatedAt' : 'createdAt';
    const notes = ctx.store
      .comments(found.repo.id, found.pull.number)
      .sort((a, b) => a[orderBy].localeCompare(b[orderBy]) || a.id - b.id);
    if (req.query.sort !== 'asc') notes.reverse();
    res.json(page(req, res, notes).map((note) => gitlabNote(view, found.repo, found.pull, note)));
  });

  router.post('/projects/:id/merge_requests/:iid/notes', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    const body = param(req, 'body');
    if (!body) return gitlabErrors.missing(res, ['body']);
    const note = addComment(ctx, found.repo, found.pull, found.caller.user, body);
    res.status(201).json(gitlabNote(view, found.repo, found.pull, note));
  });

  router.get('/projects/:id/merge_requests/:iid/discussions', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    res.json(page(req, res, gitlabDiscussions(view, found.repo, found.pull)));
  });

  router.post('/projects/:id/merge_requests/:iid/discussions', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    const body = param(req, 'body');
    if (!body) return gitlabErrors.missing(res, ['body']);
    const position = (req.body as { position?: { new_path?: unknown; new_line?: unknown } })?.position;
    const note =
      position && typeof position.new_path === 'string'
        ? addLineComment(ctx, found.repo, found.pull, found.caller.user, {
            path: position.new_path,
            line: Number(position.new_line ?? 1),
            body,
          })
        : addComment(ctx, found.repo, found.pull, found.caller.user, body);
    const discussion = gitlabDiscussions(view, found.repo, found.pull).find(
      (thread) => thread.id === note.threadId,
    );
    res.status(201).json(discussion);
  });

  router.post('/projects/:id/merge_requests/:iid/discussions/:discussionId/notes', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    const body = param(req, 'body');
    if (!body) return gitlabErrors.missing(res, ['body']);
    const reply = replyInThread(
      ctx,
      found.repo,
      found.pull,
      found.caller.user,
      String(req.params.discussionId),
      body,
    );
    if (!reply.ok) return refused(res, reply.refusal);
    res.status(201).json(gitlabNote(view, found.repo, found.pull, reply.value));
  });

  router.get('/projects/:id/merge_requests/:iid/reviewers', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    res.json(
      found.pull.requestedReviewerIds.map((id) => ({
        user: gitlabUser(view, ctx.store.user(id)),
        state: ctx.store.state.reviewerStates[`${found.repo.id}:${found.pull.number}:${id}`] ?? 'unreviewed',
        created_at: new Date(found.pull.createdAt).toISOString(),
      })),
    );
  });

  router.get('/projects/:id/merge_requests/:iid/pipelines', (req, res) => {
    const found = mergeRequestFor(deps, req, res, 'read');
    if (!found) return;
    const runs = ctx.store
      .ciRuns(found.repo.id)
      .filter((run) => run.branch === found.pull.head)
      .reverse();
    res.json(page(req, res, runs).map((run) => gitlabPipeline(view, found.repo, run)));
  });

  return router;
}
