import { duplicateRedis, type Keys, type RedisClient } from '@tundra/core/server';

/** A stream a live tail follows, named by what it holds rather than by its key. */
export type TailedStream =
  | { readonly kind: 'run-events'; readonly runId: string }
  | { readonly kind: 'step-log'; readonly runId: string; readonly stepId: string };

/** One live tail's own connection: XREAD BLOCK holds a connection, so it can serve nobody else. */
export interface StreamTail {
  connect(): Promise<void>;
  /** Waits up to `blockMs` for `stream` to have an entry after `cursor` (from the start when absent). */
  waitAfter(stream: TailedStream, cursor: string | undefined, blockMs: number): Promise<boolean>;
  onError(listener: (error: unknown) => void): void;
  close(): void;
}

/** Opens live tails of the runs' event streams and the steps' logs, each on a connection of its own. */
export class StreamTails {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  open(): StreamTail {
    const reader = duplicateRedis(this.redis, 'api-sse');
    const keyOf = (stream: TailedStream) =>
      stream.kind === 'run-events'
        ? this.keys.runEvents(stream.runId)
        : this.keys.stepLog(stream.runId, stream.stepId);
    return {
      connect: () => reader.connect(),
      async waitAfter(stream, cursor, blockMs) {
        // A null reply means the stream stayed quiet for `blockMs`.
        const reply = await reader.xread(
          'COUNT',
          1,
          'BLOCK',
          blockMs,
          'STREAMS',
          keyOf(stream),
          cursor ?? '0-0',
        );
        return reply !== null;
      },
      onError: (listener) => reader.on('error', listener),
      close: () => reader.disconnect(),
    };
  }
}
