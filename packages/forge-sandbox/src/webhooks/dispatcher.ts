import type { Logger } from 'pino';

/** One webhook POST as the forge makes it: the exact body bytes and the headers that go with them. */
export interface OutgoingDelivery {
  /** `X-GitHub-Delivery` / `X-Gitlab-Event-UUID`. */
  id: string;
  hookId: number;
  /** `X-GitHub-Event` / `X-Gitlab-Event`. */
  event: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryRecord extends OutgoingDelivery {
  /** The receiver's status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
  redelivery: boolean;
  deliveredAt: string;
}

/**
 * Sends deliveries one at a time in the order the events happened, as a forge's queue for one hook does, and keeps
 * every attempt. A failed delivery is recorded, not retried: GitHub leaves retries to a person ("Redeliver"), and
 * so does `redeliver` here, which sends the same bytes and id again.
 */
export class WebhookDispatcher {
  private readonly records: DeliveryRecord[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  enqueue(deliveries: readonly OutgoingDelivery[], redelivery = false): void {
    for (const delivery of deliveries) {
      this.tail = this.tail.then(() => this.send(delivery, redelivery));
    }
  }

  /** Resolves when every delivery queued so far has been sent. */
  idle(): Promise<void> {
    return this.tail;
  }

  deliveries(): readonly DeliveryRecord[] {
    return this.records;
  }

  /** Sends a delivery again, same id and bytes (GitHub's "Redeliver"). */
  redeliver(id: string): void {
    const original = this.records.find((record) => record.id === id);
    if (!original) throw new Error(`no delivery ${id}`);
    const {
      status: _status,
      error: _error,
      redelivery: _redelivery,
      deliveredAt: _at,
      ...delivery
    } = original;
    this.enqueue([delivery], true);
  }

  private async send(delivery: OutgoingDelivery, redelivery: boolean): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    this.records.push({ ...delivery, status, error, redelivery, deliveredAt: new Date().toISOString() });
    this.logger.info(
      { event: delivery.event, delivery: delivery.id, url: delivery.url, status, error },
      'webhook sent',
    );
  }
}
