import type { Keys, RedisClient } from '@tundra/core/server';
import { type LogLine, LogLine as LogLineSchema } from '../http/schemas.js';

type StreamEntry = [id: string, fields: string[]];

function decode([id, flat]: StreamEntry): LogLine {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return LogLineSchema.parse({ id, stream: fields.stream, line: fields.line ?? '', at: fields.at ?? '' });
}

/** Reads a step's captured engine output, which the executor appends to a stream as it runs. */
export class StepLogs {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async read(runId: string, stepId: string, options: { after?: string; count: number }): Promise<LogLine[]> {
    const start = options.after ? `(${options.after}` : '-';
    const entries = (await this.redis.xrange(
      this.keys.stepLog(runId, stepId),
      start,
      '+',
      'COUNT',
      options.count,
    )) as StreamEntry[];
    return entries.map(decode);
  }
}
