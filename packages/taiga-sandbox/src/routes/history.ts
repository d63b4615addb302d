import { type Request, type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, bodyOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { markdownOf, serializeContext } from '../operations/core.js';
import { failures } from '../operations/failures.js';
import { findVisibleItem } from '../operations/items.js';
import { serializeHistoryEntry } from '../serializers/history.js';
import { historyKey } from '../state/history.js';
import { membershipOf } from '../state/permissions.js';
import { HistoryType, type ItemKind } from '../state/types.js';
import type { RouteDeps } from './deps.js';

const kinds: Record<string, ItemKind> = { task: 'task', userstory: 'userstory', issue: 'issue' };

/**
 * `GET /history/{type}/{id}` (newest first, `?type=comment|activity`), `POST …/edit_comment?id=` and
 * `POST …/delete_comment?id=`.
 */
export function historyRouter(deps: RouteDeps): Router {
  const { core } = deps;
  const router = Router();

  router.get('/history/:type/:id', (req, res) => {
    const kind = kinds[String(req.params.type)];
    const id = positiveInt(req.params.id);
    if (!kind || id === null) {
      sendFailure(res, failures.http404('Not found.'));
      return;
    }
    const found = findVisibleItem(core, actorOf(res), kind, id);
    if (!found.ok) {
      sendFailure(res, found.failure);
      return;
    }
    // taiga-back lists only visible `change` entries (`get_history_queryset_by_model_instance`): never the
    // creation, the deletion or an order-only change.
    let entries = core.store
      .historyOf(historyKey(found.value))
      .filter((entry) => entry.type === HistoryType.change && !entry.isHidden)
      .reverse();
    if (req.query.type === 'activity')
      entries = entries.filter((entry) => entry.comment === '' && Object.keys(entry.diff).length > 0);
    if (req.query.type === 'comment') entries = entries.filter((entry) => entry.comment !== '');
    const page = paginate(req, res, entries, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else
      sendJson(
        res,
        200,
        page.value.map((entry) => serializeHistoryEntry(serializeContext(core, null), entry)),
      );
  });

  /** The comment (history entry) `?id=` of an item, when the actor may change it; else the answer is sent. */
  const ownComment = (req: Request, res: Response) => {
    const actor = actorOf(res);
    const kind = kinds[String(req.params.type)];
    const id = positiveInt(req.params.id);
    if (!kind || id === null) {
      sendFailure(res, failures.http404('Not found.'));
      return null;
    }
    const found = findVisibleItem(core, actor, kind, id);
    if (!found.ok) {
      sendFailure(res, found.failure);
      return null;
    }
    const item = found.value;
    const entry = core.store
      .historyOf(historyKey(item))
      .find(
        (candidate) =>
          candidate.id === req.query.id && candidate.type === HistoryType.change && !candidate.isHidden,
      );
    if (!entry) {
      // taiga-back's `response.NotFound()`: a 404 without a body.
      res.status(404).end();
      return null;
    }
    const project = core.store.projects.get(item.projectId);
    const isAdmin = project !== undefined && membershipOf(project, actor?.id ?? null)?.isAdmin === true;
    if (!actor || (entry.userId !== actor.id && !isAdmin)) {
      sendFailure(res, actor ? failures.permissionDenied() : failures.notAuthenticated());
      return null;
    }
    return { actor, item, entry };
  };
  // Saving a history entry fires taiga-back's webhook signal again: the edit or deletion goes out as a `change`,
  // `by` the entry's author.
  const resend = (found: NonNullable<ReturnType<typeof ownComment>>) =>
    core.dispatcher.itemEvent(
      'change',
      found.item,
      core.store.users.get(found.entry.userId) ?? found.actor,
      found.entry,
    );

  router.post('/history/:type/:id/edit_comment', async (req, res) => {
    const found = ownComment(req, res);
    if (!found) return;
    const { actor, item, entry } = found;
    const { comment } = bodyOf(req);
    if (typeof comment !== 'string') {
      sendFailure(res, failures.badRequest({ error: 'comment is required' }));
      return;
    }
    if (entry.deleteCommentDate) {
      sendFailure(res, failures.badRequest({ error: "deleted comments can't be edited" }));
      return;
    }
    entry.commentVersions = [
      ...(entry.commentVersions ?? []),
      {
        date: entry.createdAt,
        comment: entry.comment,
        comment_html: entry.commentHtml,
        user: { id: actor.id },
      },
    ];
    entry.editCommentDate = core.now();
    entry.comment = comment;
    entry.commentHtml = markdownOf(core, item.projectId)(comment);
    await resend(found);
    res.status(200).end();
  });

  router.post('/history/:type/:id/delete_comment', async (req, res) => {
    const found = ownComment(req, res);
    if (!found) return;
    const { actor, entry } = found;
    if (entry.deleteCommentDate) {
      sendFailure(res, failures.badRequest({ error: 'Comment already deleted' }));
      return;
    }
    entry.deleteCommentDate = core.now();
    entry.deleteCommentUser = { pk: actor.id, name: actor.fullName || actor.username };
    await resend(found);
    res.status(200).end();
  });
  return router;
}
