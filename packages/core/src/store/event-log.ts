import { RunEvent } from '../contracts/run-event.js';
import { parseStored } from './record-codec.js';
import type { StoreContext } from './store-options.js';

type StreamEntry = [id: string, fields: string[]];

/** Encodes an event (without its id and version, which Redis and the script add) as a stream entry's fields. */
export function encodeEvent(
  event: Omit<RunEvent, 'id' | 'version' | 'correlationId'> & { correlationId?: string },
): string[] {
  return Object.entries(event).flatMap(([field, value]) => [field, JSON.stringify(value)]);
}

function decodeEntry([id, flat]: StreamEntry): RunEvent {
  const raw: Record<string, unknown> = { id };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    const value = flat[i + 1]!;
    // The project's stream also records the run stream's id; the event's own id is enough here.
    if (field === 'streamId') continue;
    raw[field] = field === 'version' ? Number(value) : JSON.parse(value);
  }
  return parseStored(RunEvent, 'run event', raw);
}

export interface ReadEventsOptions {
  /** Return events after this stream id (exclusive); from the start when absent. */
  after?: string;
  /** Return events from this stream id (inclusive). */
  from?: string;
  count?: number;
}

function rangeStart(options: ReadEventsOptions): string {
  if (options.from) return options.from;
  return options.after ? `(${options.after}` : '-';
}

/** Reads runs' event streams: the history of every transition, in order. */
export class EventLog {
  constructor(private readonly ctx: StoreContext) {}

  async readRun(runId: string, options: ReadEventsOptions = {}): Promise<RunEvent[]> {
    const entries = (await this.ctx.redis.xrange(
      this.ctx.keys.runEvents(runId),
      rangeStart(options),
      '+',
      'COUNT',
      options.count ?? 100,
    )) as StreamEntry[];
    return entries.map(decodeEntry);
  }

  /** Events across all the project's runs, from the project's stream, oldest first (or after `after`). */
  async readProject(projectId: string, options: ReadEventsOptions = {}): Promise<RunEvent[]> {
    const entries = (await this.ctx.redis.xrange(
      this.ctx.keys.projectEvents(projectId),
      rangeStart(options),
      '+',
      'COUNT',
      options.count ?? 100,
    )) as StreamEntry[];
    return entries.map(decodeEntry);
  }
}
