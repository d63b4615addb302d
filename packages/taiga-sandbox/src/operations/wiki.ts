import { randomUUID } from 'node:crypto';
import { taigaSlugify } from '@tundra/core';
import { diffSnapshots, fieldsModifiedByLastEntries, fullNameOf } from '../state/history.js';
import { hasPermission } from '../state/permissions.js';
import {
  type HistoryEntryRecord,
  HistoryType,
  type ProjectRecord,
  type UserRecord,
  type WikiLinkRecord,
  type WikiPageRecord,
} from '../state/types.js';
import { markdownOf, type SandboxCore } from './core.js';
import { type ApiFailure, fail, failures, ModelName, type Outcome, ok } from './failures.js';
import { denied } from './items.js';

/** The history key of a wiki page (`make_key_from_model_object`). */
export function wikiHistoryKey(page: Pick<WikiPageRecord, 'id'>): string {
  return `wiki.wikipage:${page.id}`;
}

/** taiga-back's `wikipage_freezer`. */
function freezeWikiPage(core: SandboxCore, page: WikiPageRecord): Record<string, unknown> {
  return {
    slug: page.slug,
    owner: page.ownerId,
    content: page.content,
    content_html: markdownOf(core, page.projectId)(page.content),
    attachments: [],
  };
}

function writeWikiHistory(
  core: SandboxCore,
  page: WikiPageRecord,
  actor: UserRecord,
  type: HistoryEntryRecord['type'],
  before: Record<string, unknown> | null,
): void {
  const after = freezeWikiPage(core, page);
  const diff = before ? diffSnapshots(before, after) : {};
  if (type === HistoryType.change && Object.keys(diff).length === 0) return;
  core.store.historyOf(wikiHistoryKey(page)).push({
    id: randomUUID(),
    projectId: page.projectId,
    key: wikiHistoryKey(page),
    type,
    userId: actor.id,
    userName: fullNameOf(actor),
    createdAt: core.now(),
    diff,
    snapshot: type === HistoryType.create ? after : null,
    values: {},
    comment: '',
    commentHtml: '',
    deleteCommentDate: null,
    deleteCommentUser: null,
    commentVersions: null,
    editCommentDate: null,
    isHidden: false,
  });
}

/** A page the actor may see, or Taiga's 404 / 401 / 403. */
export function findVisibleWikiPage(
  core: SandboxCore,
  actor: UserRecord | null,
  page: WikiPageRecord | undefined,
): Outcome<WikiPageRecord> {
  if (!page) return fail(failures.notFound(ModelName.wikiPage));
  const project = core.store.projects.get(page.projectId);
  if (!project || !hasPermission(core.store, project, actor?.id ?? null, 'view_wiki_pages'))
    return fail(denied(actor));
  return ok(page);
}

/** A Django `SlugField(allow_unicode=True)`: Unicode letters, digits, `_` and `-`. */
const slugPattern = /^[-\p{L}\p{N}_]+$/u;

function projectOf(core: SandboxCore, value: unknown): Outcome<ProjectRecord> {
  if (value === undefined || value === null)
    return fail(failures.badRequest({ project: ['This field is required.'] }));
  const project = typeof value === 'number' ? core.store.projects.get(value) : undefined;
  return project
    ? ok(project)
    : fail(failures.badRequest({ project: [`Invalid pk '${String(value)}' - object does not exist.`] }));
}

function newPage(
  core: SandboxCore,
  project: ProjectRecord,
  actor: UserRecord,
  slug: string,
  content: string,
): WikiPageRecord {
  const now = core.now();
  const page: WikiPageRecord = {
    id: core.store.nextId('wikiPage'),
    projectId: project.id,
    slug,
    content,
    ownerId: actor.id,
    lastModifierId: actor.id,
    createdDate: now,
    modifiedDate: now,
    version: 1,
  };
  core.store.wikiPages.set(page.id, page);
  writeWikiHistory(core, page, actor, HistoryType.create, null);
  return page;
}

/** `POST /wiki`: WikiPageValidator (slug required, unique with the project), `add_wiki_page`. */
export function createWikiPage(
  core: SandboxCore,
  actor: UserRecord | null,
  body: Record<string, unknown>,
): Outcome<WikiPageRecord> {
  const project = projectOf(core, body.project);
  if (!project.ok) return project;
  const errors: Record<string, string[]> = {};
  const slug = body.slug;
  if (typeof slug !== 'string' || slug === '') errors.slug = ['This field is required.'];
  else if (slug.length > 500) errors.slug = ['Ensure this field has no more than 500 characters.'];
  else if (!slugPattern.test(slug))
    errors.slug = ['Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens.'];
  if (body.content !== undefined && typeof body.content !== 'string')
    errors.content = ['Not a valid string.'];
  if (Object.keys(errors).length > 0) return fail(failures.badRequest(errors));
  if (!actor || !hasPermission(core.store, project.value, actor.id, 'add_wiki_page'))
    return fail(denied(actor));
  const taken = [...core.store.wikiPages.values()].some(
    (page) => page.projectId === project.value.id && page.slug === slug,
  );
  // Django's unique_together message, under NON_FIELD_ERRORS.
  if (taken)
    return fail(failures.badRequest({ __all__: ['Wiki page with this Project and Slug already exists.'] }));
  return ok(newPage(core, project.value, actor, slug as string, (body.content as string | undefined) ?? ''));
}

/** taiga-back's OCC check, as for items: a stale version is refused when it touches a field changed since. */
function checkWikiVersion(
  core: SandboxCore,
  page: WikiPageRecord,
  body: Record<string, unknown>,
): ApiFailure | null {
  const raw = body.version;
  const version = typeof raw === 'number' && Number.isInteger(raw) ? raw : null;
  if (raw !== undefined && raw !== null && version === null)
    return failures.badRequest({ version: 'The version must be an integer' });
  if (version === null || version < 0 || version > page.version)
    return failures.badRequest({ version: 'The version parameter is not valid' });
  if (version === page.version) return null;
  const modified = fieldsModifiedByLastEntries(
    core.store.historyOf(wikiHistoryKey(page)),
    page.version - version,
  );
  return Object.keys(body).some((field) => field !== 'version' && modified.has(field))
    ? failures.badRequest({ version: "The version doesn't match with the current one" })
    : null;
}

/** `PATCH /wiki/{id}`: `modify_wiki_page`, the version check, a history entry, version + 1. */
export function patchWikiPage(
  core: SandboxCore,
  actor: UserRecord | null,
  id: number,
  body: Record<string, unknown>,
): Outcome<WikiPageRecord> {
  const page = core.store.wikiPages.get(id);
  if (!page) return fail(failures.notFound(ModelName.wikiPage));
  const project = core.store.projects.get(page.projectId) as ProjectRecord;
  if (!actor || !hasPermission(core.store, project, actor.id, 'modify_wiki_page')) return fail(denied(actor));
  if (body.content !== undefined && typeof body.content !== 'string')
    return fail(failures.badRequest({ content: ['Not a valid string.'] }));
  const conflict = checkWikiVersion(core, page, body);
  if (conflict) return fail(conflict);
  const before = freezeWikiPage(core, page);
  if (typeof body.content === 'string') page.content = body.content;
  page.version += 1;
  page.modifiedDate = core.now();
  page.lastModifierId = actor.id;
  writeWikiHistory(core, page, actor, HistoryType.change, before);
  return ok(page);
}

/**
 * `POST /wiki-links`: the `href` is read-only, made from the title (`slugify_uniquely_for_queryset` over the project's
 * links), and the page it points at is created empty when the user may add pages and it does not exist.
 */
export function createWikiLink(
  core: SandboxCore,
  actor: UserRecord | null,
  body: Record<string, unknown>,
): Outcome<WikiLinkRecord> {
  const project = projectOf(core, body.project);
  if (!project.ok) return project;
  if (typeof body.title !== 'string' || body.title.trim() === '')
    return fail(failures.badRequest({ title: ['This field is required.'] }));
  if (!actor || !hasPermission(core.store, project.value, actor.id, 'add_wiki_link'))
    return fail(denied(actor));
  const links = [...core.store.wikiLinks.values()].filter((link) => link.projectId === project.value.id);
  const base = taigaSlugify(body.title) || 'null';
  let href = base;
  for (let suffix = 1; links.some((link) => link.href === href); suffix += 1) href = `${base}-${suffix}`;
  const link: WikiLinkRecord = {
    id: core.store.nextId('wikiLink'),
    projectId: project.value.id,
    title: body.title,
    href,
    order: typeof body.order === 'number' ? body.order : core.now().getTime(),
  };
  core.store.wikiLinks.set(link.id, link);
  const exists = [...core.store.wikiPages.values()].some(
    (page) => page.projectId === link.projectId && page.slug === href,
  );
  if (!exists && hasPermission(core.store, project.value, actor.id, 'add_wiki_page'))
    newPage(core, project.value, actor, href, '');
  return ok(link);
}
