import { type Response, Router } from 'express';
import { paginate } from '../http/pagination.js';
import { actorOf, bodyOf, positiveInt, sendFailure, sendJson } from '../http/respond.js';
import { serializeContext } from '../operations/core.js';
import { failures, ModelName } from '../operations/failures.js';
import { denied } from '../operations/items.js';
import { serializeWebhook, serializeWebhookLog } from '../serializers/webhook.js';
import { membershipOf } from '../state/permissions.js';
import type { UserRecord, WebhookRecord } from '../state/types.js';
import type { RouteDeps } from './deps.js';

/** `/webhooks` and `/webhooklogs`: only project admins see and manage them (IsProjectAdmin*FilterBackend). */
export function webhooksRouter(deps: RouteDeps): Router {
  const { core } = deps;
  const { store } = core;
  const router = Router();

  const isAdminOf = (actor: UserRecord | null, projectId: number) => {
    const project = store.projects.get(projectId);
    return project !== undefined && membershipOf(project, actor?.id ?? null)?.isAdmin === true;
  };
  /** The webhook of a detail route, or the answer already sent. */
  const administeredWebhook = (res: Response, rawId: string | undefined): WebhookRecord | null => {
    const actor = actorOf(res);
    const id = positiveInt(rawId);
    const webhook = id === null ? undefined : store.webhooks.get(id);
    if (!webhook || !isAdminOf(actor, webhook.projectId)) {
      sendFailure(res, webhook ? denied(actor) : failures.notFound(ModelName.webhook));
      return null;
    }
    return webhook;
  };

  router.get('/webhooks', (req, res) => {
    const actor = actorOf(res);
    const projectFilter = req.query.project === undefined ? null : positiveInt(req.query.project);
    const webhooks = [...store.webhooks.values()].filter(
      (webhook) =>
        isAdminOf(actor, webhook.projectId) &&
        (projectFilter === null || webhook.projectId === projectFilter),
    );
    const page = paginate(req, res, webhooks, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else
      sendJson(
        res,
        200,
        page.value.map((webhook) => serializeWebhook(serializeContext(core, actor?.id ?? null), webhook)),
      );
  });

  router.post('/webhooks', (req, res) => {
    const actor = actorOf(res);
    const body = bodyOf(req);
    const errors: Record<string, string[]> = {};
    for (const field of ['project', 'name', 'url', 'key']) {
      if (body[field] === undefined || body[field] === null || body[field] === '')
        errors[field] = ['This field is required.'];
    }
    if (!errors.project && (typeof body.project !== 'number' || !store.projects.has(body.project))) {
      errors.project = [`Invalid pk '${String(body.project)}' - object does not exist.`];
    }
    if (!errors.url && (typeof body.url !== 'string' || !URL.canParse(body.url)))
      errors.url = ['Enter a valid URL.'];
    if (Object.keys(errors).length > 0) {
      sendFailure(res, failures.badRequest(errors));
      return;
    }
    if (!isAdminOf(actor, body.project as number)) {
      sendFailure(res, denied(actor));
      return;
    }
    const webhook: WebhookRecord = {
      id: store.nextId('webhook'),
      projectId: body.project as number,
      name: String(body.name),
      url: String(body.url),
      key: String(body.key),
    };
    store.webhooks.set(webhook.id, webhook);
    sendJson(res, 201, serializeWebhook(serializeContext(core, actor?.id ?? null), webhook));
  });

  router.get('/webhooks/:id', (req, res) => {
    const webhook = administeredWebhook(res, String(req.params.id));
    if (webhook)
      sendJson(res, 200, serializeWebhook(serializeContext(core, actorOf(res)?.id ?? null), webhook));
  });

  router.patch('/webhooks/:id', (req, res) => {
    const webhook = administeredWebhook(res, String(req.params.id));
    if (!webhook) return;
    const body = bodyOf(req);
    const errors: Record<string, string[]> = {};
    for (const field of ['name', 'url', 'key'] as const) {
      if (body[field] === undefined) continue;
      if (typeof body[field] !== 'string' || body[field] === '')
        errors[field] = ['This field may not be blank.'];
    }
    if (!errors.url && typeof body.url === 'string' && !URL.canParse(body.url))
      errors.url = ['Enter a valid URL.'];
    if (Object.keys(errors).length > 0) {
      sendFailure(res, failures.badRequest(errors));
      return;
    }
    const changed: WebhookRecord = {
      ...webhook,
      ...(typeof body.name === 'string' ? { name: body.name } : {}),
      ...(typeof body.url === 'string' ? { url: body.url } : {}),
      ...(typeof body.key === 'string' ? { key: body.key } : {}),
    };
    store.webhooks.set(webhook.id, changed);
    sendJson(res, 200, serializeWebhook(serializeContext(core, actorOf(res)?.id ?? null), changed));
  });

  router.post('/webhooks/:id/test', async (req, res) => {
    const webhook = administeredWebhook(res, String(req.params.id));
    const actor = actorOf(res);
    if (!webhook || !actor) return;
    sendJson(res, 200, serializeWebhookLog(await core.dispatcher.test(webhook, actor)));
  });

  router.get('/webhooklogs', (req, res) => {
    const actor = actorOf(res);
    const webhookFilter = req.query.webhook === undefined ? null : positiveInt(req.query.webhook);
    const logs = [...store.webhooks.values()]
      .filter((webhook) => isAdminOf(actor, webhook.projectId))
      .filter((webhook) => webhookFilter === null || webhook.id === webhookFilter)
      .flatMap((webhook) => store.logsOf(webhook.id));
    const page = paginate(req, res, logs, deps.pagination);
    if (!page.ok) sendFailure(res, page.failure);
    else sendJson(res, 200, page.value.map(serializeWebhookLog));
  });

  router.post('/webhooklogs/:id/resend', async (req, res) => {
    const actor = actorOf(res);
    const id = positiveInt(req.params.id);
    const log = id === null ? undefined : store.webhookLogs.get(id);
    const webhook = log ? store.webhooks.get(log.webhookId) : undefined;
    if (!log || !webhook) {
      sendFailure(res, failures.notFound(ModelName.webhookLog));
      return;
    }
    if (!isAdminOf(actor, webhook.projectId)) {
      sendFailure(res, denied(actor));
      return;
    }
    sendJson(res, 200, serializeWebhookLog(await core.dispatcher.resend(webhook, log)));
  });
  return router;
}
