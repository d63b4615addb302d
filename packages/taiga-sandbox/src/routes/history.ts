import { Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, bodyOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { serializeContext } from '../operations/core.js';
import { failures } from '../operations/failures.js';
import { findVisibleItem } from '../operations/items.js';
import { serializeHistoryEntry } from '../serializers/history.js';
import { historyKey } from '../state/history.js';
import { renderMarkdown } from '../state/markdown.js';
import { membershipOf } from '../state/permissions.js';
import type { ItemKind } from '../state/types.js';
import type { RouteDeps } from './deps.js';

const kinds: Record<string, ItemKind> = { task: 'task', userstory: 'userstory', issue: 'issue' };

/** `GET /history/{type}/{id}` (newest first, `?type=comment|activity`) and `POST …/edit_comment?id=`. */
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
    let entries = [...core.store.historyOf(historyKey(found.value))].reverse();
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

  router.post('/history/:type/:id/edit_comment', async (req, res) => {
    const actor = actorOf(res);
    const kind = kinds[String(req.params.type)];
    const id = positiveInt(req.params.id);
    if (!kind || id === null) {
      sendFailure(res, failures.http404('Not found.'));
      return;
    }
    const found = findVisibleItem(core, actor, kind, id);
    if (!found.ok) {
      sendFailure(res, found.failure);
      return;
    }
    const item = found.value;
    const entry = core.store.historyOf(historyKey(item)).find((candidate) => candidate.id === req.query.id);
    if (!entry) {
      res.status(404).end();
      return;
    }
    const project = core.store.projects.get(item.projectId);
    const isAdmin = project !== undefined && membershipOf(project, actor?.id ?? null)?.isAdmin === true;
    if (!actor || (entry.userId !== actor.id && !isAdmin)) {
      sendFailure(res, actor ? failures.permissionDenied() : failures.notAuthenticated());
      return;
    }
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
    entry.commentHtml = renderMarkdown(comment);
    // Saving a history entry fires taiga-back's webhook signal again: the edit goes out as a `change`, `by` the
    // entry's author.
    await core.dispatcher.itemEvent('change', item, core.store.users.get(entry.userId) ?? actor, entry);
    res.status(200).end();
  });
  return router;
}
