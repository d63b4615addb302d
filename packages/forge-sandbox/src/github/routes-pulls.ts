import express, { type Request, type Response, type Router } from 'express';
import { paginate, since } from '../http/pagination.js';
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
  submitReview,
} from '../model/operations.js';
import { type PullRecord, ReviewState } from '../model/types.js';
import { type GithubRouteDeps, intParam, type Permission, repoFor, stringField } from './context.js';
import { githubError, githubErrors } from './respond.js';
import {
  githubIssueComment,
  githubLabel,
  githubPull,
  githubReview,
  githubReviewComment,
} from './serialize-pull.js';

const pullStates = ['open', 'closed', 'all'] as const;

/** Pull requests, reviews, review comments, issue comments and labels: `/repos/{owner}/{repo}/pulls|issues/...`. */
export function githubPullRoutes(deps: GithubRouteDeps): Router {
  const router = express.Router();
  const { ctx, view } = deps;
  const page = <T>(req: Request, res: Response, items: readonly T[]) =>
    paginate(req, res, items, { forge: 'github', publicBase: view.urls.web, defaultPerPage: 30 });

  const pullFor = (req: Request, res: Response, need: 'read' | 'write', permission: Permission) => {
    const found = repoFor(deps, req, res, need, permission);
    if (!found) return null;
    const number = intParam(req, res, 'number');
    if (number === null) return null;
    const pull = ctx.store.pull(found.repo.id, number);
    if (!pull) {
      githubErrors.notFound(res);
      return null;
    }
    return { ...found, pull };
  };

  const refused = (res: Response, refusal: Refusal, owner: string, pull?: { head: string }) => {
    switch (refusal.reason) {
      case 'duplicate':
        return githubErrors.validation(res, [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${owner}:${pull?.head ?? refusal.existing.head}.`,
          },
        ]);
      case 'head_missing':
        return githubErrors.validation(res, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      case 'base_missing':
        return githubErrors.validation(res, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      case 'no_commits':
        return githubErrors.validation(res, [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${owner}:base and ${owner}:head`,
          },
        ]);
      case 'not_open':
        return githubError(res, 405, 'Pull Request is not mergeable');
      case 'conflict':
        return githubError(res, 405, 'Pull Request is not mergeable');
      case 'sha_mismatch':
      case 'moved':
        return githubError(res, 409, 'Head branch was modified. Review and try the merge again.');
      case 'unknown_user':
        return githubErrors.validation(
          res,
          [],
          `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${owner} repository.`,
        );
      case 'unknown_thread':
        return githubErrors.notFound(res);
      default: {
        const unreachable: never = refusal;
        throw new Error(`unhandled refusal ${JSON.stringify(unreachable)}`);
      }
    }
  };

  router.get('/repos/:owner/:repo/pulls', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'pull_requests');
    if (!found) return;
    const state = pullStates.find((value) => value === req.query.state) ?? 'open';
    const head = typeof req.query.head === 'string' ? req.query.head : null;
    const base = typeof req.query.base === 'string' ? req.query.base : null;
    const matches = (pull: PullRecord) =>
      (state === 'all' || (state === 'open') === (pull.state === 'open')) &&
      // `head` is `user:ref-name`; GitHub ignores a value without the owner part.
      (head === null || !head.includes(':') || `${found.repo.owner}:${pull.head}` === head) &&
      (base === null || pull.base === base);
    const pulls = ctx.store
      .pulls(found.repo.id)
      .filter(matches)
      .sort((a, b) => (req.query.direction === 'asc' ? a.number - b.number : b.number - a.number));
    res.json(page(req, res, pulls).map((pull) => githubPull(view, found.repo, pull, false)));
  });

  router.post('/repos/:owner/:repo/pulls', async (req, res) => {
    const found = repoFor(deps, req, res, 'write', 'pull_requests');
    if (!found) return;
    const title = stringField(req.body, 'title');
    const head = stringField(req.body, 'head');
    const base = stringField(req.body, 'base');
    const missing = [!title && 'title', !head && 'head', !base && 'base'].filter(Boolean) as string[];
    if (missing.length > 0) {
      githubErrors.validation(
        res,
        missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })),
      );
      return;
    }
    // `head` may be `owner:branch`; the sandbox has no forks, so the owner part must be the repository's.
    const headRef = head!.includes(':') ? head!.slice(head!.indexOf(':') + 1) : head!;
    const opened = await openPull(ctx, found.repo, found.caller.user, {
      title: title!,
      body: stringField(req.body, 'body') ?? '',
      head: headRef,
      base: base!,
      draft: (req.body as { draft?: unknown })?.draft === true,
    });
    if (!opened.ok) return refused(res, opened.refusal, found.repo.owner, { head: headRef });
    res.setHeader('Location', `${view.urls.api}/repos/${found.repo.fullName}/pulls/${opened.value.number}`);
    res.status(201).json(githubPull(view, found.repo, opened.value, true));
  });

  router.get('/repos/:owner/:repo/pulls/:number', (req, res) => {
    const found = pullFor(req, res, 'read', 'pull_requests');
    if (found) res.json(githubPull(view, found.repo, found.pull, true));
  });

  router.patch('/repos/:owner/:repo/pulls/:number', (req, res) => {
    const found = pullFor(req, res, 'write', 'pull_requests');
    if (!found) return;
    const state = stringField(req.body, 'state');
    if (state !== undefined && state !== 'open' && state !== 'closed') {
      githubErrors.validation(res, [{ resource: 'PullRequest', field: 'state', code: 'invalid' }]);
      return;
    }
    const edited = editPull(ctx, found.repo, found.pull, found.caller.user, {
      title: stringField(req.body, 'title'),
      body: stringField(req.body, 'body'),
      state,
    });
    if (!edited.ok) return refused(res, edited.refusal, found.repo.owner);
    res.json(githubPull(view, found.repo, edited.value, true));
  });

  router.get('/repos/:owner/:repo/pulls/:number/merge', (req, res) => {
    const found = pullFor(req, res, 'read', 'pull_requests');
    if (!found) return;
    if (found.pull.state === 'merged') res.status(204).end();
    else githubErrors.notFound(res);
  });

  router.put('/repos/:owner/:repo/pulls/:number/merge', async (req, res) => {
    const found = pullFor(req, res, 'write', 'contents');
    if (!found) return;
    const method = stringField(req.body, 'merge_method') ?? 'merge';
    if (method !== 'merge' && method !== 'squash') {
      githubErrors.validation(res, [{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }]);
      return;
    }
    const title = stringField(req.body, 'commit_title');
    const merged = await mergePull(ctx, found.repo, found.pull, found.caller.user, {
      sha: stringField(req.body, 'sha'),
      method,
      message:
        title === undefined
          ? undefined
          : `${title}\n\n${stringField(req.body, 'commit_message') ?? ''}`.trim(),
    });
    if (!merged.ok) return refused(res, merged.refusal, found.repo.owner);
    res.json({ sha: merged.value.mergeCommitSha, merged: true, message: 'Pull Request successfully merged' });
  });

  router.get('/repos/:owner/:repo/pulls/:number/reviews', (req, res) => {
    const found = pullFor(req, res, 'read', 'pull_requests');
    if (!found) return;
    const reviews = ctx.store.state.reviews.filter(
      (review) => review.repoId === found.repo.id && review.number === found.pull.number,
    );
    res.json(page(req, res, reviews).map((review) => githubReview(view, found.repo, review)));
  });

  router.post('/repos/:owner/:repo/pulls/:number/reviews', (req, res) => {
    const found = pullFor(req, res, 'write', 'pull_requests');
    if (!found) return;
    const events = {
      APPROVE: ReviewState.Approved,
      REQUEST_CHANGES: ReviewState.ChangesRequested,
      COMMENT: ReviewState.Commented,
    };
    const event = stringField(req.body, 'event') as keyof typeof events | undefined;
    const state = event ? events[event] : undefined;
    const body = stringField(req.body, 'body') ?? '';
    if (!state || (state !== ReviewState.Approved && body === '')) {
      githubErrors.validation(res, [], 'Unprocessable Entity');
      return;
    }
    if (found.pull.authorId === found.caller.user.id && state !== ReviewState.Commented) {
      githubErrors.validation(
        res,
        [],
        `Unprocessable Entity: Can not ${event === 'APPROVE' ? 'approve' : 'request changes on'} your own pull request`,
      );
      return;
    }
    const rawComments = (req.body as { comments?: unknown })?.comments;
    const comments = Array.isArray(rawComments)
      ? rawComments.map((comment) => ({
          path: String(comment?.path ?? ''),
          line: Number(comment?.line ?? 1),
          body: String(comment?.body ?? ''),
        }))
      : [];
    const review = submitReview(ctx, found.repo, found.pull, found.caller.user, { state, body, comments });
    res.json(githubReview(view, found.repo, review));
  });

  router.get('/repos/:owner/:repo/pulls/:number/comments', (req, res) => {
    const found = pullFor(req, res, 'read', 'pull_requests');
    if (!found) return;
    const comments = since(req, ctx.store.comments(found.repo.id, found.pull.number)).filter(
      (comment) => comment.kind === 'review',
    );
    if (req.query.direction === 'desc') comments.reverse();
    res.json(page(req, res, comments).map((comment) => githubReviewComment(view, found.repo, comment)));
  });

  router.post('/repos/:owner/:repo/pulls/:number/comments', (req, res) => {
    const found = pullFor(req, res, 'write', 'pull_requests');
    if (!found) return;
    const body = stringField(req.body, 'body');
    const inReplyTo = (req.body as { in_reply_to?: unknown })?.in_reply_to;
    if (!body) {
      githubErrors.validation(res, [
        { resource: 'PullRequestReviewComment', field: 'body', code: 'missing_field' },
      ]);
      return;
    }
    if (typeof inReplyTo === 'number') {
      const reply = replyInThread(ctx, found.repo, found.pull, found.caller.user, String(inReplyTo), body);
      if (!reply.ok) return refused(res, reply.refusal, found.repo.owner);
      res.status(201).json(githubReviewComment(view, found.repo, reply.value));
      return;
    }
    const path = stringField(req.body, 'path');
    const line = (req.body as { line?: unknown })?.line;
    if (!path || typeof line !== 'number') {
      githubErrors.validation(res, [
        { resource: 'PullRequestReviewComment', field: path ? 'line' : 'path', code: 'missing_field' },
      ]);
      return;
    }
    const comment = addLineComment(ctx, found.repo, found.pull, found.caller.user, { path, line, body });
    res.status(201).json(githubReviewComment(view, found.repo, comment));
  });

  router.post('/repos/:owner/:repo/pulls/:number/comments/:commentId/replies', (req, res) => {
    const found = pullFor(req, res, 'write', 'pull_requests');
    if (!found) return;
    const body = stringField(req.body, 'body');
    if (!body) {
      githubErrors.validation(res, [
        { resource: 'PullRequestReviewComment', field: 'body', code: 'missing_field' },
      ]);
      return;
    }
    const reply = replyInThread(
      ctx,
      found.repo,
      found.pull,
      found.caller.user,
      String(req.params.commentId),
      body,
    );
    if (!reply.ok) return refused(res, reply.refusal, found.repo.owner);
    res.status(201).json(githubReviewComment(view, found.repo, reply.value));
  });

  router.post('/repos/:owner/:repo/pulls/:number/requested_reviewers', (req, res) => {
    const found = pullFor(req, res, 'write', 'pull_requests');
    if (!found) return;
    const reviewers = (req.body as { reviewers?: unknown })?.reviewers;
    const logins = Array.isArray(reviewers) ? reviewers.map(String) : [];
    const requested = requestReviewers(ctx, found.repo, found.pull, found.caller.user, logins);
    if (!requested.ok) return refused(res, requested.refusal, found.repo.fullName);
    res.status(201).json(githubPull(view, found.repo, requested.value, false));
  });

  router.get('/repos/:owner/:repo/issues/:number/comments', (req, res) => {
    const found = pullFor(req, res, 'read', 'issues');
    if (!found) return;
    const comments = since(req, ctx.store.comments(found.repo.id, found.pull.number)).filter(
      (comment) => comment.kind === 'issue',
    );
    res.json(page(req, res, comments).map((comment) => githubIssueComment(view, found.repo, comment)));
  });

  router.post('/repos/:owner/:repo/issues/:number/comments', (req, res) => {
    const found = pullFor(req, res, 'write', 'issues');
    if (!found) return;
    const body = stringField(req.body, 'body');
    if (!body) {
      githubErrors.validation(res, [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
      return;
    }
    const comment = addComment(ctx, found.repo, found.pull, found.caller.user, body);
    res.setHeader('Location', `${view.urls.api}/repos/${found.repo.fullName}/issues/comments/${comment.id}`);
    res.status(201).json(githubIssueComment(view, found.repo, comment));
  });

  router.post('/repos/:owner/:repo/issues/:number/labels', (req, res) => {
    const found = pullFor(req, res, 'write', 'issues');
    if (!found) return;
    const raw = Array.isArray(req.body) ? req.body : (req.body as { labels?: unknown })?.labels;
    if (!Array.isArray(raw) || raw.some((label) => typeof label !== 'string' || label === '')) {
      githubErrors.validation(res, [{ resource: 'Label', field: 'name', code: 'invalid' }]);
      return;
    }
    addLabels(ctx, found.repo, found.pull, found.caller.user, raw as string[]);
    res.json(found.pull.labels.map((name) => githubLabel(view, found.repo, name)));
  });

  return router;
}
