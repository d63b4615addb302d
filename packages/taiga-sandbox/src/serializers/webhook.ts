import type { WebhookLogRecord, WebhookRecord } from '../state/types.js';
import { isoDate, type SerializeContext } from './context.js';

/** `WebhookSerializer`. */
export function serializeWebhook(ctx: SerializeContext, webhook: WebhookRecord): Record<string, unknown> {
  return {
    id: webhook.id,
    project: webhook.projectId,
    name: webhook.name,
    url: webhook.url,
    key: webhook.key,
    logs_counter: ctx.store.logsOf(webhook.id).length,
  };
}

/** `WebhookLogSerializer`. */
export function serializeWebhookLog(log: WebhookLogRecord): Record<string, unknown> {
  return {
    id: log.id,
    webhook: log.webhookId,
    url: log.url,
    status: log.status,
    request_data: log.requestData,
    request_headers: log.requestHeaders,
    response_data: log.responseData,
    response_headers: log.responseHeaders,
    duration: log.duration,
    created: isoDate(log.created),
  };
}
