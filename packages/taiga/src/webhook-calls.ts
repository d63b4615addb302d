import type { CallHelpers } from './call-helpers.js';
import type { TaigaWebhook, TaigaWebhookLog, WebhookCreateBody, WebhookPatchBody } from './types.js';

/** A project's webhooks and their delivery logs. Taiga lets only project admins see or change them. */
export interface TaigaWebhookCalls {
  /** The webhooks the bot may see: those of projects it administers (anyone else gets `[]`, not 403). */
  listWebhooks(taigaProjectId?: number): Promise<TaigaWebhook[]>;
  getWebhook(id: number): Promise<TaigaWebhook>;
  createWebhook(body: WebhookCreateBody): Promise<TaigaWebhook>;
  patchWebhook(id: number, body: WebhookPatchBody): Promise<TaigaWebhook>;
  /** Asks Taiga to send its `test` delivery now; answers the delivery's log (status, the receiver's answer). */
  testWebhook(id: number): Promise<TaigaWebhookLog>;
  /** The webhook's last deliveries (Taiga keeps 10), newest first. */
  listWebhookLogs(webhookId: number): Promise<TaigaWebhookLog[]>;
  resendWebhookLog(id: number): Promise<TaigaWebhookLog>;
}

export function webhookCalls(helpers: CallHelpers): TaigaWebhookCalls {
  const { api, call, get, listAll } = helpers;
  return {
    listWebhooks: (project) =>
      listAll('/webhooks', 'disable', (_, init) =>
        api.GET('/webhooks', { params: { query: project === undefined ? {} : { project } }, ...init }),
      ),
    getWebhook: (id) =>
      get('/webhooks/{id}', (init) => api.GET('/webhooks/{id}', { params: { path: { id } }, ...init })),
    createWebhook: (body) =>
      call('/webhooks', 'POST', 'unsafe', (init) => api.POST('/webhooks', { body, ...init })),
    // Setting the same name, URL and key twice is harmless.
    patchWebhook: (id, body) =>
      call('/webhooks/{id}', 'PATCH', 'idempotent', (init) =>
        api.PATCH('/webhooks/{id}', { params: { path: { id } }, body, ...init }),
      ),
    testWebhook: (id) =>
      call('/webhooks/{id}/test', 'POST', 'unsafe', (init) =>
        api.POST('/webhooks/{id}/test', { params: { path: { id } }, ...init }),
      ),
    listWebhookLogs: (webhook) =>
      listAll('/webhooklogs', 'disable', (_, init) =>
        api.GET('/webhooklogs', { params: { query: { webhook } }, ...init }),
      ),
    resendWebhookLog: (id) =>
      call('/webhooklogs/{id}/resend', 'POST', 'unsafe', (init) =>
        api.POST('/webhooklogs/{id}/resend', { params: { path: { id } }, ...init }),
      ),
  };
}
