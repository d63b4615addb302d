import { describe, expect, it } from 'vitest';
import { assertOneSlot, CrossSlotScriptError, keySlot } from './key-slots.js';
import { createKeys, idSlotTag, newRecordId, projectSlotTag, queuePrefix } from './keys.js';

const keys = createKeys('tundra');
type Builder = Exclude<keyof typeof keys, 'prefix' | 'ingest'>;

/** Every key of a project, its runs and its steps, built from representative ids: all must share one slot. */
function projectKeys(projectId: string): Record<string, string> {
  const runId = newRecordId('run', projectId);
  const stepId = newRecordId('step', projectId);
  return {
    project: keys.project(projectId),
    projectRuns: keys.projectRuns(projectId),
    runsByStatus: keys.runsByStatus(projectId, 'running'),
    stepsByStatus: keys.stepsByStatus(projectId, 'needs_qa'),
    activeItems: keys.activeItems(projectId),
    itemRuns: keys.itemRuns(projectId, 'userstory:42'),
    taskSteps: keys.taskSteps(projectId),
    projectEvents: keys.projectEvents(projectId),
    projectTokens: keys.projectTokens(projectId),
    startRequest: keys.startRequest(projectId, 'api:some-key'),
    itemHistoryCursor: keys.itemHistoryCursor(projectId, 'task:7'),
    commentEntry: keys.commentEntry(projectId, '1234'),
    reconcileMovesSince: keys.reconcileMovesSince(projectId),
    projectSlots: keys.projectSlots(projectId),
    projectDaySpend: keys.projectDaySpend(projectId, '2026-12-05'),
    run: keys.run(runId),
    runSteps: keys.runSteps(runId),
    runEvents: keys.runEvents(runId),
    step: keys.step(runId, stepId),
    idempotency: keys.idempotency(runId, 'step_started:x:1'),
    stepLog: keys.stepLog(runId, stepId),
    stepLease: keys.stepLease(runId, stepId),
    stepEngine: keys.stepEngine(runId, stepId),
    runCiVerdicts: keys.runCiVerdicts(runId),
    writeBackCursor: keys.writeBackCursor(runId),
    writeBackLock: keys.writeBackLock(runId),
    writeBackPending: keys.writeBackPending(runId),
    writeBackRefresh: keys.writeBackRefresh(runId),
    runRemarks: keys.runRemarks(runId),
    runGoneItems: keys.runGoneItems(runId),
    runSpend: keys.runSpend(runId),
    stepIndex: keys.stepIndex(stepId),
    stepIndexOfRun: keys.stepIndex(runId),
  };
}

/** Keys no script writes together with a project's: each has a slot of its own (or none, a channel). */
const outsideProjectSlot: Builder[] = [
  'projects',
  'projectsChanged',
  'hostEngines',
  'controlChannel',
  'reportItems',
  'reportMeta',
  'reportSyncLock',
  'reportOutput',
  'inboxReplay',
];

describe('Redis Cluster slots', () => {
  it('computes the slots Redis computes (CLUSTER KEYSLOT), hash tags included', () => {
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('bar{hash_tag}')).toBe(2515);
  });

  it.each(['acme', 'p-1', 'a'.repeat(63), '0'])(
    "puts every key of project %s, its runs' and its steps' in the project's slot",
    (projectId) => {
      const built = projectKeys(projectId);
      const slot = keySlot(`{${projectSlotTag(projectId)}}`);
      for (const [name, key] of Object.entries(built))
        expect({ name, slot: keySlot(key) }).toEqual({ name, slot });
    },
  );

  it('names every key builder: each is in the project slot or listed as outside it', () => {
    const named = new Set([...Object.keys(projectKeys('acme')), ...outsideProjectSlot]);
    const builders = Object.keys(keys).filter((name) => name !== 'prefix' && name !== 'ingest');
    expect(builders.filter((name) => !named.has(name))).toEqual([]);
  });

  it("carries the project's tag in generated ids, so a run's keys need no look-up of its project", () => {
    const runId = newRecordId('run', 'acme');
    expect(runId).toMatch(/^run_[0-9a-f]{40}$/);
    expect(idSlotTag(runId)).toBe(projectSlotTag('acme'));
    expect(idSlotTag(newRecordId('step', 'acme'))).toBe(projectSlotTag('acme'));
  });

  it("keeps each of the ingester's scripts, a report's keys and BullMQ's queues in one slot", () => {
    const ingest = keys.ingest;
    assertOneSlot('accept', [ingest.dedupe('taiga', 'd-1'), ingest.inbox(), ingest.pending()]);
    const reports = [
      keys.reportItems('acme', 'userstory'),
      keys.reportMeta('acme'),
      keys.reportSyncLock('acme'),
      keys.reportOutput('acme', 'abc'),
    ];
    assertOneSlot('reports', reports);
    const bull = queuePrefix('tundra');
    assertOneSlot('bullmq', [
      `${bull}:tundra-execute:wait`,
      `${bull}:tundra-plan:1`,
      `${bull}:tundra-qa:events`,
    ]);
  });

  it('refuses keys of two slots before Redis would (CROSSSLOT on a Cluster)', () => {
    const apart = [keys.run(newRecordId('run', 'acme')), keys.projects()];
    expect(() => assertOneSlot('create-run', apart)).toThrow(CrossSlotScriptError);
    expect(() => assertOneSlot('create-run', apart)).toThrow(/create-run\.lua would touch keys of several/);
  });
});
