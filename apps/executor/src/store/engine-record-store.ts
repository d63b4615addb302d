import type { Keys, RedisClient } from '@tundra/core/server';
import { z } from 'zod';

/** An exec engine's process group, recorded beside the step's lease while the engine may be running. */
export const EngineRecord = z.object({
  group: z.object({
    host: z.string(),
    bootId: z.string().nullable(),
    pgid: z.number().int(),
    startTicks: z.number().nullable(),
  }),
  /** The executor process that started it: a pid and its start time, so a later process with that pid is not it. */
  owner: z.object({ pid: z.number().int(), startTicks: z.number().nullable() }),
  attempt: z.number().int(),
  at: z.string(),
});
export type EngineRecord = z.infer<typeof EngineRecord>;

/** One entry of a host's set: the step it names, and the raw member to forget it by. */
export interface HostEngineEntry {
  runId: string;
  stepId: string;
  member: string;
}

/** A record outlives a crash only until some executor cleans it up; a week bounds what nobody ever does. */
const recordTtlSeconds = 7 * 24 * 3600;

const member = (runId: string, stepId: string) => JSON.stringify([runId, stepId]);

/**
 * Where the exec engines' process groups are recorded: one record per step (`keys.stepEngine`) and, per host, the
 * set of steps whose groups were recorded there (`keys.hostEngines`). What to do with a record is `EngineRecords`'.
 */
export class EngineRecordStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async write(runId: string, stepId: string, record: EngineRecord): Promise<void> {
    // Two writes, not a MULTI: the host's set and the step's record are in different slots on Redis Cluster. The set
    // is written first and cleared last, so a record is never missing from it; an entry whose record is gone (a
    // crash between the two) is dropped by `EngineRecords.reapOrphans`.
    await this.redis.sadd(this.keys.hostEngines(record.group.host), member(runId, stepId));
    await this.redis.set(this.keys.stepEngine(runId, stepId), JSON.stringify(record), 'EX', recordTtlSeconds);
  }

  /** The step's record, or null when there is none or it does not parse. */
  async read(runId: string, stepId: string): Promise<EngineRecord | null> {
    const raw = await this.redis.get(this.keys.stepEngine(runId, stepId));
    if (raw === null) return null;
    const parsed = EngineRecord.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** Forgets the step's record and its entry in `host`'s set. */
  async clear(runId: string, stepId: string, host: string): Promise<void> {
    await this.redis.del(this.keys.stepEngine(runId, stepId));
    await this.redis.srem(this.keys.hostEngines(host), member(runId, stepId));
  }

  /** The steps whose groups were recorded on `host`. */
  async hostEntries(host: string): Promise<HostEngineEntry[]> {
    return (await this.redis.smembers(this.keys.hostEngines(host))).map((entry) => {
      const [runId, stepId] = JSON.parse(entry) as [string, string];
      return { runId, stepId, member: entry };
    });
  }

  /** Drops one entry of `host`'s set (its record is gone). */
  async forgetEntry(host: string, entry: HostEngineEntry): Promise<void> {
    await this.redis.srem(this.keys.hostEngines(host), entry.member);
  }
}
