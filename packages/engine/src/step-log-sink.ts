import type { RedisClient } from '@tundra/core/server';
import type { OutputStream } from './run-engine-process.js';

export interface StepLogSinkOptions {
  /** Approximate cap of the stream (`XADD ... MAXLEN ~`). */
  maxLen: number;
  /** Lines buffered before a flush is started without waiting for the next tick. */
  batchSize?: number;
  /** Fields added to every entry (e.g. the attempt), besides `stream`, `line` and `at`. */
  fields?: Record<string, string>;
  /** A failed write loses those lines but never fails the engine run; it is reported here. */
  onError?: (error: unknown) => void;
  now?: () => Date;
}

/** Where an engine's output goes, line by line. */
export interface StepLogSink {
  write(stream: OutputStream, line: string): void;
  /** Resolves once every line written so far is in Redis. */
  flush(): Promise<void>;
}

/**
 * Streams an engine's output to a capped Redis stream. Lines are buffered and sent in pipelines (one round trip
 * per batch, not per line); flushes are chained, so entries keep the order the lines were written in.
 */
export function createStepLogSink(redis: RedisClient, key: string, options: StepLogSinkOptions): StepLogSink {
  const batchSize = options.batchSize ?? 200;
  const now = options.now ?? (() => new Date());
  const extra = Object.entries(options.fields ?? {}).flat();
  let buffer: string[][] = [];
  let chain: Promise<void> = Promise.resolve();
  let scheduled = false;

  const send = async (entries: string[][]) => {
    const pipeline = redis.pipeline();
    for (const fields of entries) pipeline.xadd(key, 'MAXLEN', '~', options.maxLen, '*', ...fields);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
  };

  const flush = (): Promise<void> => {
    scheduled = false;
    if (buffer.length > 0) {
      const entries = buffer;
      buffer = [];
      chain = chain.then(() => send(entries)).catch((error: unknown) => options.onError?.(error));
    }
    return chain;
  };

  return {
    write(stream, line) {
      buffer.push(['stream', stream, 'line', line, 'at', now().toISOString(), ...extra]);
      if (buffer.length >= batchSize) void flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    },
    flush,
  };
}
