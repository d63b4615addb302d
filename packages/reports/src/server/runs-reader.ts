import type { StateStore } from '@tundra/core/server';
import type { RunHistory } from '../model/runs-data.js';
import type { Period } from '../time/period.js';

const page = 100;
const maxEvents = 10_000;

/**
 * Tundra's runs of a project created in a period, with their steps and events, read through core's store: the
 * project's runs are listed newest first, so the listing stops at the first run older than the period.
 */
export async function readRunHistories(
  store: StateStore,
  projectId: string,
  period: Period,
): Promise<RunHistory[]> {
  const histories: RunHistory[] = [];
  for (let offset = 0; ; offset += page) {
    const { ids } = await store.runs.listRunIds(projectId, { offset, limit: page });
    if (ids.length === 0) return histories;
    for (const id of ids) {
      const run = await store.runs.getRun(id);
      if (!run || run.createdAt > period.until) continue;
      if (run.createdAt < period.since) return histories;
      const [steps, events] = await Promise.all([
        store.runs.listSteps(id),
        store.events.readRun(id, { count: maxEvents }),
      ]);
      histories.push({ run, steps, events });
    }
  }
}
