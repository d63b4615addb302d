import { type Request, type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { serializeContext } from '../operations/core.js';
import { failures, ModelName } from '../operations/failures.js';
import { denied } from '../operations/items.js';
import {
  serializeNamedValue,
  serializeProjectDetail,
  serializeStatus,
  serializeUserStoryStatus,
} from '../serializers/project.js';
import { serializeUserDetail } from '../serializers/users.js';
import { hasPermission } from '../state/permissions.js';
import type { NamedValueRecord, ProjectRecord, StatusKind, StatusRecord } from '../state/types.js';
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

  /** `/issue-types`, `/priorities`, `/severities`: `{id, name, order, color, project}` of the visible projects. */
  const valueList = (values: Map<number, NamedValueRecord>) => (req: Request, res: Response) => {
    const viewerId = actorOf(res)?.id ?? null;
    const projectFilter = req.query.project === undefined ? null : positiveInt(req.query.project);
    const visible = [...values.values()]
      .filter((value) => projectFilter === null || value.projectId === projectFilter)
      .filter((value) => {
        const project = core.store.projects.get(value.projectId);
        return project !== undefined && hasPermission(core.store, project, viewerId, 'view_project');
      })
      .sort((a, b) => a.projectId - b.projectId || a.order - b.order || a.id - b.id);
    const page = paginate(req, res, visible, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else sendJson(res, 200, page.value.map(serializeNamedValue));
  };
  router.get('/issue-types', valueList(core.store.issueTypes));
  router.get('/priorities', valueList(core.store.priorities));
  router.get('/severities', valueList(core.store.severities));
  return router;
}
