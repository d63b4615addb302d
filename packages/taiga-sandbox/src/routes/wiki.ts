import { type Request, type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, bodyOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { serializeContext } from '../operations/core.js';
import type { Outcome } from '../operations/failures.js';
import { createWikiLink, createWikiPage, findVisibleWikiPage, patchWikiPage } from '../operations/wiki.js';
import { serializeWikiLink, serializeWikiPage } from '../serializers/wiki.js';
import { hasPermission } from '../state/permissions.js';
import type { WikiPageRecord } from '../state/types.js';
import type { RouteDeps } from './deps.js';

/** `/wiki` (list by `project` and `slug`, `by_slug`, get, create, PATCH) and `/wiki-links` (list, create). */
export function wikiRouter(deps: RouteDeps): Router {
  const { core } = deps;
  const router = Router();
  const visibleIn = (res: Response, projectId: number, permission: string) => {
    const project = core.store.projects.get(projectId);
    return project !== undefined && hasPermission(core.store, project, actorOf(res)?.id ?? null, permission);
  };
  const sendPage = (res: Response, status: number, outcome: Outcome<WikiPageRecord>) => {
    if (!outcome.ok) sendFailure(res, outcome.failure);
    else
      sendJson(
        res,
        status,
        serializeWikiPage(serializeContext(core, actorOf(res)?.id ?? null), outcome.value),
      );
  };
  const filterOf = (req: Request, name: string) =>
    typeof req.query[name] === 'string' ? (req.query[name] as string) : null;

  router.get('/wiki', (req, res) => {
    const project = filterOf(req, 'project');
    const slug = filterOf(req, 'slug');
    const pages = [...core.store.wikiPages.values()]
      .filter((page) => visibleIn(res, page.projectId, 'view_wiki_pages'))
      .filter((page) => project === null || String(page.projectId) === project)
      .filter((page) => slug === null || page.slug === slug)
      .sort((a, b) => a.projectId - b.projectId || a.slug.localeCompare(b.slug));
    const page = paginate(req, res, pages, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else
      sendJson(
        res,
        200,
        page.value.map((entry) => serializeWikiPage(serializeContext(core, actorOf(res)?.id ?? null), entry)),
      );
  });

  router.get('/wiki/by_slug', (req, res) => {
    const slug = filterOf(req, 'slug');
    const project = filterOf(req, 'project');
    const page = [...core.store.wikiPages.values()].find(
      (candidate) => candidate.slug === slug && String(candidate.projectId) === project,
    );
    sendPage(res, 200, findVisibleWikiPage(core, actorOf(res), page));
  });

  router.get('/wiki/:id', (req, res) => {
    const id = positiveInt(req.params.id);
    sendPage(
      res,
      200,
      findVisibleWikiPage(core, actorOf(res), id === null ? undefined : core.store.wikiPages.get(id)),
    );
  });

  router.post('/wiki', (req, res) => {
    sendPage(res, 201, createWikiPage(core, actorOf(res), bodyOf(req)));
  });

  router.patch('/wiki/:id', (req, res) => {
    const id = positiveInt(req.params.id);
    sendPage(res, 200, patchWikiPage(core, actorOf(res), id ?? 0, bodyOf(req)));
  });

  router.get('/wiki-links', (req, res) => {
    const project = filterOf(req, 'project');
    const links = [...core.store.wikiLinks.values()]
      .filter((link) => visibleIn(res, link.projectId, 'view_wiki_links'))
      .filter((link) => project === null || String(link.projectId) === project)
      .sort((a, b) => a.projectId - b.projectId || a.order - b.order || a.id - b.id);
    const page = paginate(req, res, links, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else sendJson(res, 200, page.value.map(serializeWikiLink));
  });

  router.post('/wiki-links', (req, res) => {
    const created = createWikiLink(core, actorOf(res), bodyOf(req));
    if (!created.ok) sendFailure(res, created.failure);
    else sendJson(res, 201, serializeWikiLink(created.value));
  });
  return router;
}
