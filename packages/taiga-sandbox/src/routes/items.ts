import { type Request, type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, bodyOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { serializeContext } from '../operations/core.js';
import { failures, ModelName } from '../operations/failures.js';
import { createItem, deleteItem, findVisibleItem, patchItem, visibleItems } from '../operations/items.js';
import type { SerializeContext } from '../serializers/context.js';
import {
  serializeIssueDetail,
  serializeIssueListItem,
  serializeIssueWithNeighbors,
} from '../serializers/issue.js';
import {
  serializeTaskDetail,
  serializeTaskListItem,
  serializeTaskWithNeighbors,
} from '../serializers/task.js';
import {
  serializeUserStoryDetail,
  serializeUserStoryListItem,
  serializeUserStoryWithNeighbors,
} from '../serializers/userstory.js';
import type { IssueRecord, ItemRecord, TaskRecord, UserStoryRecord } from '../state/types.js';
import { pythonJsonDumps } from '../webhooks/python-json.js';
import type { RouteDeps } from './deps.js';

type Serialize<T extends ItemRecord> = (ctx: SerializeContext, item: T) => Record<string, unknown>;

interface ItemRoutesSpec<T extends ItemRecord> {
  kind: T['kind'];
  path: string;
  list: Serialize<T>;
  detail: Serialize<T>;
  withNeighbors: Serialize<T>;
  /** Taiga's default ordering of the list. */
  order: (a: T, b: T) => number;
}

/** The store hands out items of the kind asked for; this tells the type checker so. */
function narrow<T extends ItemRecord>(kind: T['kind'], item: ItemRecord): T {
  if (item.kind !== kind) throw new Error(`expected a ${kind}, got a ${item.kind}`);
  return item as T;
}

/** `ids` of a filter such as `status=1,2` or `assigned_to=null`. */
function idFilter(value: unknown): (number | null)[] | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.split(',').map((part) => (part === 'null' ? null : Number(part)));
}

/** The date fields taiga-back's `CreatedDateFilter`, `ModifiedDateFilter` and finish filters compare, per kind. */
function dateFields(item: ItemRecord): Record<string, Date | null> {
  const finishField = item.kind === 'userstory' ? 'finish_date' : 'finished_date';
  const finished = item.kind === 'userstory' ? item.finishDate : item.finishedDate;
  return { created_date: item.createdDate, modified_date: item.modifiedDate, [finishField]: finished };
}

const compareOperators = {
  '': (a: number, b: number) => a === b,
  lt: (a: number, b: number) => a < b,
  gt: (a: number, b: number) => a > b,
  lte: (a: number, b: number) => a <= b,
  gte: (a: number, b: number) => a >= b,
} as const;

/**
 * `modified_date__gte=…` and friends (`BaseCompareFilter`). taiga-back parses the value with dateutil and lets a
 * parse error escape as a server error; so does the sandbox.
 */
function matchesDateFilters(item: ItemRecord, query: Request['query']): boolean {
  for (const [field, value] of Object.entries(dateFields(item))) {
    for (const [operator, compare] of Object.entries(compareOperators)) {
      const raw = query[operator === '' ? field : `${field}__${operator}`];
      if (typeof raw !== 'string') continue;
      const wanted = Date.parse(raw);
      if (Number.isNaN(wanted)) throw new Error(`dateutil cannot parse ${field} filter ${raw}`);
      if (value === null || !compare(value.getTime(), wanted)) return false;
    }
  }
  return true;
}

function matchesFilters(deps: RouteDeps, item: ItemRecord, query: Request['query']): boolean {
  const within = (field: unknown, actual: number | null) => {
    const ids = idFilter(field);
    return ids === null || ids.includes(actual);
  };
  if (!within(query.project, item.projectId)) return false;
  if (!within(query.status, item.statusId)) return false;
  if (!within(query.owner, item.ownerId)) return false;
  if (!within(query.ref, item.ref)) return false;
  if (typeof query.status__is_closed === 'string') {
    const closed = deps.core.store.statuses.get(item.statusId)?.isClosed ?? false;
    if (String(closed) !== query.status__is_closed.toLowerCase()) return false;
  }
  if (item.kind === 'task' && !within(query.user_story, item.userStoryId)) return false;
  if (item.kind === 'issue') {
    if (!within(query.type, item.typeId)) return false;
    if (!within(query.severity, item.severityId)) return false;
    if (!within(query.priority, item.priorityId)) return false;
  }
  if (!matchesDateFilters(item, query)) return false;
  if (item.kind === 'userstory') {
    const assignees = new Set<number | null>(item.assignedUsers.length > 0 ? item.assignedUsers : [null]);
    if (item.assignedTo !== null) assignees.add(item.assignedTo);
    const wanted = idFilter(query.assigned_users);
    if (wanted && !wanted.some((id) => assignees.has(id))) return false;
  }
  return within(query.assigned_to, item.assignedTo);
}

function itemRoutes<T extends ItemRecord>(deps: RouteDeps, spec: ItemRoutesSpec<T>): Router {
  const { core } = deps;
  const router = Router();
  const ctxOf = (res: Response) => serializeContext(core, actorOf(res)?.id ?? null);
  const model = ModelName[spec.kind];

  router.get(spec.path, (req, res) => {
    const items = visibleItems(core, actorOf(res), spec.kind)
      .filter((item) => matchesFilters(deps, item, req.query))
      .map((item) => narrow<T>(spec.kind, item))
      .sort(spec.order);
    const page = paginate(req, res, items, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else
      sendJson(
        res,
        200,
        page.value.map((item) => spec.list(ctxOf(res), item)),
      );
  });

  router.post(spec.path, async (req, res) => {
    const created = await createItem(core, actorOf(res), spec.kind, bodyOf(req));
    if (!created.ok) sendFailure(res, created.failure);
    else sendJson(res, 201, spec.detail(ctxOf(res), narrow<T>(spec.kind, created.value)));
  });

  router.get(`${spec.path}/by_ref`, (req, res) => {
    const ref = positiveInt(req.query.ref);
    const projectId = positiveInt(req.query.project);
    const item = [...core.store.itemsOf(spec.kind).values()].find(
      (candidate) => candidate.ref === ref && candidate.projectId === projectId,
    );
    const found = item ? findVisibleItem(core, actorOf(res), spec.kind, item.id) : null;
    if (!found) sendFailure(res, failures.notFound(model));
    else if (!found.ok) sendFailure(res, found.failure);
    else sendJson(res, 200, spec.withNeighbors(ctxOf(res), narrow<T>(spec.kind, found.value)));
  });

  router.get(`${spec.path}/:id`, (req, res) => {
    const id = positiveInt(req.params.id);
    const found = id === null ? null : findVisibleItem(core, actorOf(res), spec.kind, id);
    if (!found) sendFailure(res, failures.notFound(model));
    else if (!found.ok) sendFailure(res, found.failure);
    else sendJson(res, 200, spec.withNeighbors(ctxOf(res), narrow<T>(spec.kind, found.value)));
  });

  router.patch(`${spec.path}/:id`, async (req, res) => {
    const id = positiveInt(req.params.id);
    if (id === null) {
      sendFailure(res, failures.notFound(model));
      return;
    }
    const patched = await patchItem(core, actorOf(res), spec.kind, id, bodyOf(req));
    if (!patched.ok) {
      sendFailure(res, patched.failure);
      return;
    }
    const { item, statusChanged } = patched.value;
    // taiga-back reports the taskboard orders it touched (a task moved to another status, as captured).
    const headers =
      item.kind === 'task'
        ? {
            'Taiga-Info-Order-Updated': pythonJsonDumps(
              statusChanged ? { [item.id]: item.taskboardOrder } : {},
            ),
          }
        : undefined;
    sendJson(res, 200, spec.detail(ctxOf(res), narrow<T>(spec.kind, item)), headers);
  });

  router.delete(`${spec.path}/:id`, async (req, res) => {
    const id = positiveInt(req.params.id);
    const deleted = id === null ? null : await deleteItem(core, actorOf(res), spec.kind, id);
    if (!deleted) sendFailure(res, failures.notFound(model));
    else if (!deleted.ok) sendFailure(res, deleted.failure);
    else res.status(204).end();
  });
  return router;
}

const byId = (a: ItemRecord, b: ItemRecord) => a.id - b.id;

/** Tasks, user stories and issues: list with filters, get, by_ref, create, PATCH, DELETE. */
export function itemsRouter(deps: RouteDeps): Router {
  const router = Router();
  router.use(
    itemRoutes<TaskRecord>(deps, {
      kind: 'task',
      path: '/tasks',
      list: serializeTaskListItem,
      detail: serializeTaskDetail,
      withNeighbors: serializeTaskWithNeighbors,
      order: (a, b) =>
        a.projectId - b.projectId ||
        a.usOrder - b.usOrder ||
        a.createdDate.getTime() - b.createdDate.getTime() ||
        byId(a, b),
    }),
  );
  router.use(
    itemRoutes<UserStoryRecord>(deps, {
      kind: 'userstory',
      path: '/userstories',
      list: serializeUserStoryListItem,
      detail: serializeUserStoryDetail,
      withNeighbors: serializeUserStoryWithNeighbors,
      order: (a, b) => a.projectId - b.projectId || a.backlogOrder - b.backlogOrder || a.ref - b.ref,
    }),
  );
  router.use(
    itemRoutes<IssueRecord>(deps, {
      kind: 'issue',
      path: '/issues',
      list: serializeIssueListItem,
      detail: serializeIssueDetail,
      withNeighbors: serializeIssueWithNeighbors,
      order: (a, b) => b.createdDate.getTime() - a.createdDate.getTime() || byId(b, a),
    }),
  );
  return router;
}
