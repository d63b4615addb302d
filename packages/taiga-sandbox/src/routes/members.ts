import { type Request, type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { failures, ModelName } from '../operations/failures.js';
import { denied } from '../operations/items.js';
import { serializeMembership, serializeRole } from '../serializers/members.js';
import { hasPermission, membershipOf } from '../state/permissions.js';
import type { ProjectRecord, UserRecord } from '../state/types.js';
import type { RouteDeps } from './deps.js';

/**
 * `/memberships` and `/roles`, readable by whoever may view the project (`CanViewProjectFilterBackend`): lists show
 * the visible projects' records, details answer 401/403 when the project may not be viewed.
 */
export function membersRouter(deps: RouteDeps): Router {
  const { core } = deps;
  const { store } = core;
  const router = Router();
  const canView = (actor: UserRecord | null, project: ProjectRecord) =>
    hasPermission(store, project, actor?.id ?? null, 'view_project');
  const isAdmin = (actor: UserRecord | null, project: ProjectRecord) =>
    membershipOf(project, actor?.id ?? null)?.isAdmin === true;
  const filter = (req: Request, name: string) =>
    req.query[name] === undefined ? null : positiveInt(req.query[name]);
  const send = <T>(
    req: Request,
    res: Response,
    items: T[],
    serialize: (item: T) => Record<string, unknown>,
  ) => {
    const page = paginate(req, res, items, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else sendJson(res, 200, page.value.map(serialize));
  };

  router.get('/memberships', (req, res) => {
    const actor = actorOf(res);
    const projectId = filter(req, 'project');
    const roleId = filter(req, 'role');
    const memberships = store
      .memberships()
      .filter(({ project }) => canView(actor, project) && (projectId === null || project.id === projectId))
      .filter(({ membership }) => roleId === null || membership.roleId === roleId)
      .map((entry) => ({ ...entry, user: store.users.get(entry.membership.userId) }))
      // Membership's ordering: project, then the user's full name, username and e-mail.
      .sort(
        (a, b) =>
          a.project.id - b.project.id ||
          (a.user?.fullName ?? '').localeCompare(b.user?.fullName ?? '') ||
          (a.user?.username ?? '').localeCompare(b.user?.username ?? ''),
      );
    // The admin serializer only when the list is asked for one project the caller administers.
    const project = projectId === null ? undefined : store.projects.get(projectId);
    const forAdmin = project !== undefined && isAdmin(actor, project);
    send(req, res, memberships, ({ project, membership }) =>
      serializeMembership(store, project, membership, forAdmin),
    );
  });

  router.get('/memberships/:id', (req, res) => {
    const actor = actorOf(res);
    const id = positiveInt(req.params.id);
    const found = store.memberships().find(({ membership }) => membership.id === id);
    if (!found) sendFailure(res, failures.notFound(ModelName.membership));
    else if (!canView(actor, found.project)) sendFailure(res, denied(actor));
    else
      sendJson(
        res,
        200,
        serializeMembership(store, found.project, found.membership, isAdmin(actor, found.project)),
      );
  });

  router.get('/roles', (req, res) => {
    const actor = actorOf(res);
    const projectId = filter(req, 'project');
    const roles = [...store.projects.values()]
      .filter((project) => canView(actor, project) && (projectId === null || project.id === projectId))
      .flatMap((project) => store.rolesOf(project.id))
      .sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
    send(req, res, roles, (role) => serializeRole(store, role));
  });

  router.get('/roles/:id', (req, res) => {
    const actor = actorOf(res);
    const id = positiveInt(req.params.id);
    const role = id === null ? undefined : store.roles.get(id);
    const project = role ? store.projects.get(role.projectId) : undefined;
    if (!role || !project) sendFailure(res, failures.notFound(ModelName.role));
    else if (!canView(actor, project)) sendFailure(res, denied(actor));
    else sendJson(res, 200, serializeRole(store, role));
  });
  return router;
}
