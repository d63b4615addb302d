import type { Logger } from 'pino';
import type { SerializeContext } from '../serializers/context.js';
import { serializeWebhookUser } from '../serializers/users.js';
import { webhookChange, webhookItem } from '../serializers/webhook-payload.js';
import type { SandboxStore } from '../state/store.js';
import type {
  HistoryEntryRecord,
  ItemRecord,
  UserRecord,
  WebhookLogRecord,
  WebhookRecord,
} from '../state/types.js';
import { deliverWebhook } from './deliver.js';
import { pythonJsonDumps } from './python-json.js';

/** Taiga keeps the last 10 logs of each webhook. */
const logsKept = 10;

/** One webhook POST the sandbox made, for tests (`TaigaSandbox.webhookDeliveries()`). */
export interface DeliveryRecord {
  webhookId: number;
  url: string;
  action: string;
  type: string;
  /** The exact bytes sent (and signed), as text. */
  rawBody: string;
  headers: Readonly<Record<string, string>>;
  /** The receiver's status, or 0 when the connection failed. */
  status: number;
  error: string | null;
  sentAt: Date;
}

export type WebhookAction = 'create' | 'change' | 'delete';

export interface WebhookDispatcherDeps {
  store: SandboxStore;
  /** Base URL of permalinks (known once the server listens). */
  frontUrl: () => string;
  logger: Logger;
  now?: () => Date;
}

/**
 * Builds, signs and sends webhooks as taiga-back does with celery off: from inside the request that made the change,
 * once, awaited, with the outcome kept in the webhook's logs.
 */
export class WebhookDispatcher {
  private readonly sent: DeliveryRecord[] = [];
  private readonly now: () => Date;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  deliveries(): readonly DeliveryRecord[] {
    return [...this.sent];
  }

  /** Sends a create/change/delete of an item to every webhook of its project. */
  async itemEvent(
    action: WebhookAction,
    item: ItemRecord,
    by: UserRecord,
    entry: HistoryEntryRecord | null,
  ): Promise<void> {
    const webhooks = [...this.deps.store.webhooks.values()].filter(
      (webhook) => webhook.projectId === item.projectId,
    );
    if (webhooks.length === 0) return;
    const ctx: SerializeContext = { store: this.deps.store, frontUrl: this.deps.frontUrl(), viewerId: null };
    const data = webhookItem(ctx, item);
    if (data === null) {
      this.deps.logger.debug(
        { itemId: item.id, kind: item.kind },
        'no webhook: Taiga cannot serialize this item',
      );
      return;
    }
    const payload: Record<string, unknown> = {
      action,
      type: item.kind,
      by: serializeWebhookUser(by, this.deps.frontUrl()),
      date: this.now().toISOString(),
      data,
    };
    if (action === 'change' && entry) payload.change = webhookChange(entry);
    for (const webhook of webhooks) await this.send(webhook, payload);
  }

  /** `POST /webhooks/{id}/test`. */
  test(webhook: WebhookRecord, by: UserRecord): Promise<WebhookLogRecord> {
    return this.send(webhook, {
      action: 'test',
      type: 'test',
      by: serializeWebhookUser(by, this.deps.frontUrl()),
      date: this.now().toISOString(),
      data: { test: 'test' },
    });
  }

  /** `POST /webhooklogs/{id}/resend`: the logged body again, to the webhook's current URL and key. */
  resend(webhook: WebhookRecord, log: WebhookLogRecord): Promise<WebhookLogRecord> {
    return this.send(webhook, log.requestData);
  }

  private async send(webhook: WebhookRecord, payload: Record<string, unknown>): Promise<WebhookLogRecord> {
    const { store, logger } = this.deps;
    const rawBody = pythonJsonDumps(payload);
    const outcome = await deliverWebhook(webhook.url, webhook.key, rawBody);
    const log: WebhookLogRecord = {
      id: store.nextId('webhookLog'),
      webhookId: webhook.id,
      url: webhook.url,
      status: outcome.status,
      requestData: payload,
      requestHeaders: outcome.requestHeaders,
      // taiga-back wraps the answer as `json.dumps({"content": response.text})` (ASCII-escaped).
      responseData:
        outcome.error === null
          ? pythonJsonDumps({ content: outcome.responseText ?? '' }, { ensureAscii: true })
          : `error-in-request: ${outcome.error}`,
      responseHeaders: outcome.responseHeaders,
      duration: outcome.durationSeconds,
      created: this.now(),
    };
    store.webhookLogs.set(log.id, log);
    for (const old of store.logsOf(webhook.id).slice(logsKept)) store.webhookLogs.delete(old.id);
    this.sent.push({
      webhookId: webhook.id,
      url: webhook.url,
      action: String(payload.action),
      type: String(payload.type),
      rawBody,
      headers: outcome.sentHeaders,
      status: outcome.status,
      error: outcome.error,
      sentAt: log.created,
    });
    logger.debug({ webhookId: webhook.id, action: payload.action, status: outcome.status }, 'webhook sent');
    return log;
  }
}
