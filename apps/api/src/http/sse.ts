import { StreamCursor } from '@tundra/core';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { StreamTails, TailedStream } from '../store/stream-tails.js';

export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

/** A Redis stream served as Server-Sent Events. */
export interface SseSource {
  /** The stream whose new entries wake the reader. */
  stream: TailedStream;
  /** The entries after `after` (exclusive; from the start when absent), as events, oldest first. */
  read(after: string | undefined): Promise<SseEvent[]>;
}

export interface SseHubOptions {
  tails: StreamTails;
  logger: Logger;
  registry: Registry;
  /** Longest silence before a heartbeat comment keeps proxies from closing the connection. */
  heartbeatMs: number;
}

/**
 * Where a client resumes: `Last-Event-ID` (what EventSource sends on reconnect), else `?after=` (validated by the
 * route's query schema).
 */
export function resumePoint(req: Request, after: string | undefined): string | undefined {
  const header = req.get('last-event-id');
  if (header === undefined || header === '') return after || undefined;
  const parsed = StreamCursor.safeParse(header);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'a stream id such as 1700000000000-0';
    throw new ApiError(ApiErrorCode.ValidationFailed, `invalid request: headers.last-event-id: ${message}`, {
      issues: [{ location: 'headers', path: 'last-event-id', message }],
    });
  }
  return header;
}

function format(event: SseEvent): string {
  return `id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * Serves live tails. Each client gets its own Redis connection for XREAD BLOCK (a blocked connection can serve
 * nobody else) which is closed when the client goes or the API shuts down. The stream is durable, so a client
 * that reconnects with the last id it saw misses nothing and sees nothing twice.
 */
export class SseHub {
  private readonly clients = new Set<() => void>();
  private readonly connections: Gauge;

  constructor(private readonly options: SseHubOptions) {
    this.connections = new Gauge({
      name: 'tundra_api_sse_connections',
      help: 'Open Server-Sent Events connections (live tails).',
      registers: [options.registry],
    });
  }

  async serve(res: Response, source: SseSource, after: string | undefined): Promise<void> {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(': connected\n\n');
    const reader = this.options.tails.open();
    reader.onError((error) => this.options.logger.debug({ err: error }, 'sse reader connection error'));
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      this.clients.delete(close);
      this.connections.dec();
      reader.close();
      res.end();
    };
    this.clients.add(close);
    this.connections.inc();
    res.on('close', close);
    let cursor = after;
    try {
      await reader.connect();
      while (open) {
        const events = await source.read(cursor);
        for (const event of events) {
          res.write(format(event));
          cursor = event.id;
        }
        if (events.length > 0) continue;
        // Blocks until the stream has an entry after the cursor, or a heartbeat's time passed in silence.
        const woken = await reader.waitAfter(source.stream, cursor, this.options.heartbeatMs);
        if (!woken && open) res.write(': heartbeat\n\n');
      }
    } catch (error) {
      if (open) this.options.logger.warn({ err: error, stream: source.stream }, 'live tail failed');
    } finally {
      close();
    }
  }

  /** Ends every live tail (on shutdown, so the server can close). */
  closeAll(): void {
    for (const close of [...this.clients]) close();
  }
}
