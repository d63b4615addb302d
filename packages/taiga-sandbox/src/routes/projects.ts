import { type Request, type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { serializeContext } from '../operations/core.js';
import { failures, ModelName } from '../operations/failures.js';
import { denied } from '../operations/items.js';
import { serializeProjectDetail, serializeStatus, serializeUserStoryStatus } from '../serializers/project.js';
import { serializeUserDetail } from '../serializers/users.js';
import { hasPermission } from '../state/permissions.js';
import type { ProjectRecord, StatusKind, StatusRecord } from '../state/types.js';
import type { RouteDeps } from './deps.js';

/** `/users/me`, `/projects/{id}`, `/projects/by_slug` and the per-project status lists. */
export function projectsRouter(deps: RouteDeps): Router {
  const { core } = deps;
  const router = Router();

  router.get('/users/me', (_req, res) => {
    const actor = actorOf(res);
    if (!actor) {
      sendFailure(res, failures.notAuthenticated());
      return;
    }
    sendJson(res, 200, serializeUserDetail(actor));
  });

  const sendProject = (res: Response, project: ProjectRecord | undefined) => {
    const actor = actorOf(res);
    if (!project) {
      sendFailure(res, failures.notFound(ModelName.project));
      return;
    }
    if (!hasPermission(core.store, project, actor?.id ?? null, 'view_project')) {
      sendFailure(res, denied(actor));
      return;
    }
    sendJson(res, 200, serializeProjectDetail(serializeContext(core, actor?.id ?? null), project));
  };

  router.get('/projects/by_slug', (req, res) => {
    const slug = typeof req.query.slug === 'string' ? req.query.slug : '';
    sendProject(res, core.store.projectBySlug(slug));
  });

  router.get('/projects/:id', (req, res) => {
    const id = positiveInt(req.params.id);
    sendProject(res, id === null ? undefined : core.store.projects.get(id));
  });

  const statusList =
    (kind: StatusKind, serialize: (status: StatusRecord) => Record<string, unknown>) =>
    (req: Request, res: Response) => {
      const viewerId = actorOf(res)?.id ?? null;
      const projectFilter = req.query.project === undefined ? null : positiveInt(req.query.project);
      const statuses = [...core.store.projects.values()]
        .filter((project) => projectFilter === null || project.id === projectFilter)
        .filter((project) => hasPermission(core.store, project, viewerId, 'view_project'))
        .flatMap((project) => core.store.statusesOf(project.id, kind));
      const page = paginate(req, res, statuses, deps.pagination);
      if (!page.ok) sendFailure(res, page.failure);
      else sendJson(res, 200, page.value.map(serialize));
    };

  router.get('/task-statuses', statusList('task', serializeStatus));
  router.get('/userstory-statuses', statusList('userStory', serializeUserStoryStatus));
  router.get('/issue-statuses', statusList('issue', serializeStatus));
  return router;
}
