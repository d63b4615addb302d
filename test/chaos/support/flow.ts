import { execFileSync } from 'node:child_process';
import { readdirSync, watch } from 'node:fs';
import type { ProtocolRun } from '@tundra/core';
import { assignToBot, createStory, readItem } from '../../e2e/support/taiga-board.js';
import { type ChaosSystem, stateLines } from './system.js';

export { assignToBot, createStory, readItem };

/** The run created in the project for a Taiga story (waits for it). */
export async function runForStory(system: ChaosSystem, projectId: string, storyId: number): Promise<string> {
  const created = await system.waitForEvent(
    projectId,
    (event) =>
      event.type === 'protocol_run.created' &&
      (event.payload.taigaItem as { id?: number } | undefined)?.id === storyId,
  );
  return created.entityId;
}

/** The id of the newest event of the project's stream: where "after now" starts. */
export async function lastEventId(system: ChaosSystem, projectId: string): Promise<string> {
  const [last] = (await system.client.xrevrange(
    system.store.keys.projectEvents(projectId),
    '+',
    '-',
    'COUNT',
    1,
  )) as [string, string[]][];
  return last?.[0] ?? '0';
}

/** Waits until each of the project's runs has reached one of `statuses` (its event says so), in any order. */
export async function waitForRuns(
  system: ChaosSystem,
  projectId: string,
  runIds: readonly string[],
  events: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const pending = new Set(runIds);
  for (const runId of runIds) {
    const run = await system.store.runs.getRun(runId);
    if (run && isSettled(run)) pending.delete(runId);
  }
  if (pending.size === 0) return;
  await system.waitForEvent(
    projectId,
    (event) => {
      if (events.includes(event.type)) pending.delete(event.entityId);
      return pending.size === 0;
    },
    timeoutMs,
  );
}

const isSettled = (run: ProtocolRun) => ['completed', 'failed', 'blocked', 'cancelled'].includes(run.status);

/**
 * Resolves with the first line of a state file (`exec-<step>.log`, `qa-<step>.log`) that matches, as the engine or the
 * QA check writes it: a directory watch wakes the reader, never the clock.
 */
export function waitForStateLine(
  system: ChaosSystem,
  matches: (file: string, line: string) => boolean,
  timeoutMs = 60_000,
): Promise<{ file: string; line: string }> {
  return new Promise((resolve, reject) => {
    const look = () => {
      for (const file of listState(system)) {
        const line = stateLines(system, file).find((candidate) => matches(file, candidate));
        if (line !== undefined) return { file, line };
      }
      return null;
    };
    const watcher = watch(system.state, () => {
      const found = look();
      if (found) done(() => resolve(found));
    });
    const timer = setTimeout(
      () => done(() => reject(new Error(`no state line matched within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const done = (settle: () => void) => {
      watcher.close();
      clearTimeout(timer);
      settle();
    };
    const found = look();
    if (found) done(() => resolve(found));
  });
}

function listState(system: ChaosSystem): string[] {
  try {
    return readdirSync(system.state);
  } catch {
    return [];
  }
}

/** The start times (ms) a state file records, one per `start <ms> ...` line. */
export function startTimes(system: ChaosSystem, file: string): number[] {
  return stateLines(system, file)
    .map((line) => /^start (\d+)/.exec(line)?.[1])
    .filter((value): value is string => value !== undefined)
    .map(Number);
}

/** Commits of a branch of the origin repository, each with the Tundra-Step trailer it carries. */
export function stepTrailers(system: ChaosSystem, branch: string): string[] {
  return execFileSync('git', ['log', '--format=%(trailers:key=Tundra-Step,valueonly)', branch], {
    cwd: system.origin,
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
