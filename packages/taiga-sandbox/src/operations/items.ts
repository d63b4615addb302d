import { randomUUID } from 'node:crypto';
import {
  diffSnapshots,
  fieldsModifiedByLastEntries,
  freezeItem,
  fullNameOf,
  historyKey,
  isOrderOnly,
  valuesForDiff,
} from '../state/history.js';
import { hasPermission } from '../state/permissions.js';
import {
  type HistoryEntryRecord,
  HistoryType,
  type ItemKind,
  type ItemRecord,
  type ProjectRecord,
  type UserRecord,
} from '../state/types.js';
import { markdownOf, type SandboxCore } from './core.js';
import { type ApiFailure, fail, failures, ModelName, type Outcome, ok } from './failures.js';
import { parseItemBody } from './item-body.js';
import { newItem } from './new-item.js';

const permissionSuffix: Record<ItemKind, string> = { task: 'task', userstory: 'us', issue: 'issue' };
/** Taiga's view permissions are plural except for stories (`view_tasks`, `view_us`, `view_issues`). */
const viewPermission: Record<ItemKind, string> = {
  task: 'view_tasks',
  userstory: 'view_us',
  issue: 'view_issues',
};

/** taiga-back's `permission_denied`: anonymous callers are asked to authenticate (401), members are refused (403). */
export function denied(actor: UserRecord | null): ApiFailure {
  return actor ? failures.permissionDenied() : failures.notAuthenticated();
}

/** An item the actor may see, or Taiga's answer when it does not exist (404) or may not be seen (401/403). */
export function findVisibleItem(
  core: SandboxCore,
  actor: UserRecord | null,
  kind: ItemKind,
  id: number,
): Outcome<ItemRecord> {
  const item = core.store.itemsOf(kind).get(id);
  if (!item) return fail(failures.notFound(ModelName[kind]));
  const project = core.store.projects.get(item.projectId);
  if (!project || !hasPermission(core.store, project, actor?.id ?? null, viewPermission[kind])) {
    return fail(denied(actor));
  }
  return ok(item);
}

function writeHistory(
  core: SandboxCore,
  item: ItemRecord,
  actor: UserRecord,
  type: HistoryEntryRecord['type'],
  before: Record<string, unknown> | null,
  comment: string,
): HistoryEntryRecord | null {
  const render = markdownOf(core, item.projectId);
  const after = freezeItem(item, render);
  const diff = before ? diffSnapshots(before, after) : {};
  // taiga-back's take_snapshot writes nothing for a change without a diff or a comment (and so sends no webhook).
  if (type === HistoryType.change && Object.keys(diff).length === 0 && comment === '') return null;
  const entry: HistoryEntryRecord = {
    id: randomUUID(),
    projectId: item.projectId,
    key: historyKey(item),
    type,
    userId: actor.id,
    userName: fullNameOf(actor),
    createdAt: core.now(),
    diff,
    snapshot: type === HistoryType.create ? after : null,
    values: valuesForDiff(core.store, item, diff),
    comment,
    commentHtml: render(comment),
    deleteCommentDate: null,
    deleteCommentUser: null,
    commentVersions: null,
    editCommentDate: null,
    isHidden: type === HistoryType.change && comment === '' && isOrderOnly(item, diff),
  };
  core.store.historyOf(entry.key).push(entry);
  return entry;
}

/** Closing an item stamps its finish date and reopening clears it; a story moved to another status goes to the end of its kanban column. */
function applyStatusEffects(core: SandboxCore, item: ItemRecord, previousStatusId: number | null): void {
  if (previousStatusId === item.statusId) return;
  const closed = core.store.statuses.get(item.statusId)?.isClosed ?? false;
  const now = core.now();
  if (item.kind === 'userstory') {
    item.finishDate = closed ? (item.finishDate ?? now) : null;
    if (previousStatusId !== null) item.kanbanOrder = now.getTime() * 1000 + (item.id % 1000);
  } else {
    item.finishedDate = closed ? (item.finishedDate ?? now) : null;
  }
}

/** `POST /tasks`, `/userstories`: validation, permissions, a ref from the project sequence, history, webhook. */
export async function createItem(
  core: SandboxCore,
  actor: UserRecord | null,
  kind: ItemKind,
  body: Record<string, unknown>,
): Promise<Outcome<ItemRecord>> {
  const { store } = core;
  const projectId = body.project;
  if (projectId === undefined || projectId === null) {
    return fail(failures.badRequest({ project: ['This field is required.'] }));
  }
  const project = typeof projectId === 'number' ? store.projects.get(projectId) : undefined;
  if (!project)
    return fail(
      failures.badRequest({ project: [`Invalid pk '${String(projectId)}' - object does not exist.`] }),
    );
  if (typeof body.subject !== 'string' || body.subject.trim() === '') {
    return fail(failures.badRequest({ subject: ['This field is required.'] }));
  }
  const parsed = parseItemBody(store, project, kind, body);
  if (!parsed.ok) return parsed;
  if (!actor || !hasPermission(store, project, actor.id, `add_${permissionSuffix[kind]}`))
    return fail(denied(actor));
  if (parsed.value.foreignRelation) return fail(failures.wrongArguments(parsed.value.foreignRelation));

  const item = newItem(core, project, actor, kind);
  for (const change of parsed.value.changes) change(item);
  applyStatusEffects(core, item, null);
  project.lastRef += 1;
  item.ref = project.lastRef;
  store.itemsOf(kind).set(item.id, item);
  writeHistory(core, item, actor, HistoryType.create, null, '');
  await core.dispatcher.itemEvent('create', item, actor, null);
  return ok(item);
}

/**
 * taiga-back's `CommentAndOrUpdatePerm`: a PATCH carrying only a comment (and the version) needs the comment
 * permission or the modify one; any other PATCH needs the modify one.
 */
function mayPatch(
  store: SandboxCore['store'],
  project: ProjectRecord,
  actor: UserRecord,
  kind: ItemKind,
  body: Record<string, unknown>,
): boolean {
  const fields = Object.keys(body).filter((field) => field !== 'version');
  const justAComment = fields.length === 1 && fields[0] === 'comment';
  return (
    (justAComment && hasPermission(store, project, actor.id, `comment_${permissionSuffix[kind]}`)) ||
    hasPermission(store, project, actor.id, `modify_${permissionSuffix[kind]}`)
  );
}

/** taiga-back's OCC check (`OCCResourceMixin._validate_and_update_version`). */
function checkVersion(core: SandboxCore, item: ItemRecord, body: Record<string, unknown>): ApiFailure | null {
  const raw = body.version;
  let version: number | null = null;
  if (typeof raw === 'number' && Number.isInteger(raw)) version = raw;
  else if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) version = Number(raw);
  else if (raw !== undefined && raw !== null)
    return failures.badRequest({ version: 'The version must be an integer' });
  if (version === null || version < 0 || version > item.version) {
    return failures.badRequest({ version: 'The version parameter is not valid' });
  }
  if (version === item.version) return null;
  const modified = fieldsModifiedByLastEntries(
    core.store.historyOf(historyKey(item)),
    item.version - version,
  );
  const touched = Object.keys(body).filter((field) => field !== 'version' && modified.has(field));
  return touched.length > 0
    ? failures.badRequest({ version: "The version doesn't match with the current one" })
    : null;
}

export interface PatchResult {
  item: ItemRecord;
  statusChanged: boolean;
}

/** `PATCH /tasks/{id}` and friends, in taiga-back's order: permissions, validation, version, relations, save. */
export async function patchItem(
  core: SandboxCore,
  actor: UserRecord | null,
  kind: ItemKind,
  id: number,
  body: Record<string, unknown>,
): Promise<Outcome<PatchResult>> {
  const { store } = core;
  const item = store.itemsOf(kind).get(id);
  if (!item) return fail(failures.notFound(ModelName[kind]));
  const project = store.projects.get(item.projectId) as ProjectRecord;
  if (!actor || !mayPatch(store, project, actor, kind, body)) return fail(denied(actor));
  const parsed = parseItemBody(store, project, kind, body);
  if (!parsed.ok) return parsed;
  const conflict = checkVersion(core, item, body);
  if (conflict) return fail(conflict);
  if (parsed.value.foreignRelation) return fail(failures.wrongArguments(parsed.value.foreignRelation));

  const before = freezeItem(item, markdownOf(core, item.projectId));
  const previousStatusId = item.statusId;
  for (const change of parsed.value.changes) change(item);
  applyStatusEffects(core, item, previousStatusId);
  const { comment } = parsed.value;
  // Commenting makes the author a watcher (taiga-back's analize_object_for_watchers).
  if (comment !== '' && !item.watchers.includes(actor.id)) item.watchers.push(actor.id);
  item.version += 1;
  item.modifiedDate = core.now();
  const entry = writeHistory(core, item, actor, HistoryType.change, before, comment);
  if (entry && !entry.isHidden) await core.dispatcher.itemEvent('change', item, actor, entry);
  return ok({ item, statusChanged: previousStatusId !== item.statusId });
}

/** Items of a kind the viewer may see (a non-member's lists are empty, as Taiga filters private projects). */
export function visibleItems(core: SandboxCore, actor: UserRecord | null, kind: ItemKind): ItemRecord[] {
  return [...core.store.itemsOf(kind).values()].filter((item) => {
    const project = core.store.projects.get(item.projectId);
    return (
      project !== undefined && hasPermission(core.store, project, actor?.id ?? null, viewPermission[kind])
    );
  });
}

/** `DELETE /tasks/{id}` and friends: a delete history entry and a `delete` webhook carrying the item as it was. */
export async function deleteItem(
  core: SandboxCore,
  actor: UserRecord | null,
  kind: ItemKind,
  id: number,
): Promise<Outcome<ItemRecord>> {
  const { store } = core;
  const item = store.itemsOf(kind).get(id);
  if (!item) return fail(failures.notFound(ModelName[kind]));
  const project = store.projects.get(item.projectId) as ProjectRecord;
  if (!actor || !hasPermission(store, project, actor.id, `delete_${permissionSuffix[kind]}`))
    return fail(denied(actor));
  writeHistory(core, item, actor, HistoryType.delete, null, '');
  await core.dispatcher.itemEvent('delete', item, actor, null);
  store.itemsOf(kind).delete(id);
  if (item.kind === 'userstory') {
    for (const task of store.tasks.values()) if (task.userStoryId === item.id) task.userStoryId = null;
  }
  return ok(item);
}
