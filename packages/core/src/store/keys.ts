import { createHash, randomUUID } from 'node:crypto';
import type { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import type { StepRunStatus } from '../machine/step-run-machine.js';

/** How many characters of a project's slot tag a generated run or step id carries after its `run_`/`step_`. */
const slotTagLength = 8;

/**
 * The hash tag of a project's keys and of all its runs' and steps' keys: the first 8 hex digits of the project id's
 * SHA-256. A project is Tundra's unit of sharding on Redis Cluster: every script writes within one project (a run,
 * its steps, its stream, the project's indexes, counters and slots), so all of them share this tag and one slot.
 * A digest, not the id itself, so that the tag has one length and can ride inside generated ids.
 */
export function projectSlotTag(projectId: string): string {
  return createHash('sha256').update(projectId).digest('hex').slice(0, slotTagLength);
}

/**
 * The slot tag a run or step id carries: generated ids are `run_<tag><uuid>` and `step_<tag><uuid>` (`newRecordId`),
 * so a run's keys are found from its id alone, with no lookup of its project. An id Tundra did not generate gives
 * some other tag, whose keys hold nothing: a lookup of it finds nothing.
 */
export function idSlotTag(id: string): string {
  const start = id.indexOf('_') + 1;
  return id.slice(start, start + slotTagLength);
}

/** A new run or step id of the project: its slot tag, then a random UUID's hex digits. */
export function newRecordId(kind: 'run' | 'step', projectId: string): string {
  return `${kind}_${projectSlotTag(projectId)}${randomUUID().replaceAll('-', '')}`;
}

/**
 * BullMQ's key prefix under Tundra's: BullMQ's scripts touch several keys of a queue at once, so on Redis Cluster
 * they must share a hash tag (BullMQ's docs: a prefix in braces). One tag for all queues: the queues sit in one slot
 * (one primary), which jobs that move between queues and `enqueueBulk`'s corked writes rely on.
 */
export function queuePrefix(prefix: string): string {
  return `${prefix}:{jobs}`;
}

/**
 * Every Redis key Tundra writes, built in one place. A project's keys and its runs' keys share the project's hash
 * tag (`{<projectSlotTag>}`), so each Lua script, which writes a run together with its project's indexes and
 * stream, touches one slot and runs on Redis Cluster. Keys outside any script (the project list, the hosts' engine
 * sets, the ingester's inbox, the reports' cache) have tags of their own. The prefix is configurable so tests (and
 * several Tundra installations on one Redis) never share keys by accident.
 *
 * The key layout is documented in docs/architecture.md; keep the two together. The apps' keys (the ingester's
 * inbox, the API's tokens and request records) are here too: one module names every key.
 */
export function createKeys(prefix = 'tundra') {
  const run = (runId: string) => `${prefix}:{${idSlotTag(runId)}}:run:${runId}`;
  const project = (projectId: string) => `${prefix}:{${projectSlotTag(projectId)}}:project:${projectId}`;
  // The ingester's keys share the `{ingest}` hash tag so the accept script's keys sit in one slot on Redis Cluster.
  const ingest = `${prefix}:{ingest}`;
  return {
    prefix,
    /** The ingester's keys. */
    ingest: {
      /** The durable inbox: a stream of every accepted delivery (raw body and the headers to re-verify it). */
      inbox: () => `${ingest}:inbox`,
      /** Zset of inbox entry ids whose jobs are not yet known to be enqueued, scored by when they are due. */
      pending: () => `${ingest}:inbox:pending`,
      /**
       * Marker that a delivery was seen; its value is the inbox entry id of the first delivery. Named by a hash of
       * what identifies the delivery, so a sender's id never shapes a key.
       */
      dedupe: (scope: string, deliveryKey: string) =>
        `${ingest}:dedupe:${createHash('sha256').update(`${scope}\n${deliveryKey}`).digest('hex')}`,
    },
    /** Hash: SHA-256 (hex) of a project token → JSON `{name, createdAt}` (the API's). Only the hash is ever stored. */
    projectTokens: (projectId: string) => `${project(projectId)}:api-tokens`,
    /**
     * Hash: the idempotency record of a `POST /runs` for the project, `{request, claim, status, body}`
     * (`idempotencyKey` as the API's routes scope it, `api:<Idempotency-Key>`).
     */
    startRequest: (projectId: string, idempotencyKey: string) =>
      `${project(projectId)}:idem:start:${idempotencyKey}`,
    /** String: the answer of an inbox replay by the API (or its console), per entry and idempotency key (7 days). */
    inboxReplay: (deliveryId: string, idempotencyKey: string) =>
      `${prefix}:inbox-replay:${deliveryId}:${idempotencyKey}`,
    /**
     * Zset of every project id by creation time: the one index across projects, so no script writes it (it lives in
     * its own slot). A project is added before its record is written and removed after it is deleted, so every
     * project is listed; a reader skips a listed id whose record is gone.
     */
    projects: () => `${prefix}:projects`,
    /**
     * Counter bumped after every project is created, changed or deleted: a cache that finds no project for an
     * event reads it (one GET) to tell a real miss from a project made since it loaded.
     */
    projectsChanged: () => `${prefix}:projects:changed`,
    project,
    projectRuns: (projectId: string) => `${project(projectId)}:runs`,
    runsByStatus: (projectId: string, status: ProtocolRunStatus) => `${project(projectId)}:runs:${status}`,
    stepsByStatus: (projectId: string, status: StepRunStatus) => `${project(projectId)}:steps:${status}`,
    activeItems: (projectId: string) => `${project(projectId)}:active-items`,
    itemRuns: (projectId: string, itemKey: string) => `${project(projectId)}:item-runs:${itemKey}`,
    taskSteps: (projectId: string) => `${project(projectId)}:task-steps`,
    run,
    runSteps: (runId: string) => `${run(runId)}:steps`,
    runEvents: (runId: string) => `${run(runId)}:events`,
    step: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}`,
    idempotency: (runId: string, key: string) => `${run(runId)}:idem:${key}`,
    /** The step's engine output: a capped stream of {stream: stdout|stderr, line, at}. */
    stepLog: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}:log`,
    /** Held (with a TTL the executor keeps renewing) while a live executor works on the step. */
    stepLease: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}:lease`,
    /** The process group of the step's engine (JSON), kept until the group is gone: see the executor's EngineRecords. */
    stepEngine: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}:engine`,
    /** The steps whose engine groups were recorded on one host: what an executor starting there looks through. */
    hostEngines: (host: string) => `${prefix}:engines:${host}`,
    /** CI's last verdict on each commit of the run (SHA → JSON): a step that reaches QA after CI reported gets it. */
    runCiVerdicts: (runId: string) => `${run(runId)}:ci`,
    /**
     * Which Taiga events the write-back has already reflected for the run (the last run-stream id). The write-back's
     * keys keep their first name, `outbox-*`, in Redis: renaming stored keys would lose their state.
     */
    writeBackCursor: (runId: string) => `${run(runId)}:outbox-cursor`,
    /** Held while one write-back of the run is in progress: comments go out once and in order. */
    writeBackLock: (runId: string) => `${run(runId)}:outbox-lock`,
    /** Set by each write-back job of the run: the lock's holder goes round again until it finds it unset. */
    writeBackPending: (runId: string) => `${run(runId)}:outbox-pending`,
    /** Set with the pending flag when every item of the run must be written again, events or not. */
    writeBackRefresh: (runId: string) => `${run(runId)}:outbox-refresh`,
    /** What people said on the run's items that the agent should read (JSON per remark, oldest first, capped). */
    runRemarks: (runId: string) => `${run(runId)}:remarks`,
    /** The run's Taiga items that were deleted (`userstory:<id>`, `task:<id>`): nothing is written to them any more. */
    runGoneItems: (runId: string) => `${run(runId)}:gone-items`,
    /** The newest history entry of a tracked Taiga item that Tundra has read for comments. */
    itemHistoryCursor: (projectId: string, itemKey: string) =>
      `${project(projectId)}:history-cursor:${itemKey}`,
    /** A person's comment (Taiga history entry) Tundra has taken in: what it decided, and whether it replied. */
    commentEntry: (projectId: string, entryId: string) => `${project(projectId)}:comment:${entryId}`,
    /** When the reconciler's last pass over the project's board moves started (ms since epoch). */
    reconcileMovesSince: (projectId: string) => `${project(projectId)}:reconcile:moves-since`,
    /** Runs executing now in the project, scored by lease expiry: the per-project concurrency limit. */
    projectSlots: (projectId: string) => `${project(projectId)}:slots`,
    /** What the run's engines spent: cost (micro-dollars) and tokens, the run's and each step's (`charge-spend.lua`). */
    runSpend: (runId: string) => `${run(runId)}:spend`,
    /** What the project's engines spent in one UTC day (`2026-12-04`), kept 3 days. */
    projectDaySpend: (projectId: string, day: string) => `${project(projectId)}:spend:${day}`,
    /**
     * Hash: step id → run id, for the steps in the slot of the given run or step id (a run's steps carry its
     * project's slot tag), so `store-plan.lua` writes it in the run's slot and a lookup needs only the step id.
     */
    stepIndex: (id: string) => `${prefix}:{${idSlotTag(id)}}:step-runs`,
    /** Stream of every event of the project's runs, in order, with each run stream's id (capped). */
    projectEvents: (projectId: string) => `${project(projectId)}:events`,
    /** Pub/sub channel on which engine processes are told to stop (cancel, pause). */
    controlChannel: () => `${prefix}:control`,
    /**
     * The reports' copy of a project's Taiga items, one hash per kind (item id → the item with its status and
     * blocked history), so a report reads only what changed since the last one. A project's report keys share the
     * `{projectId}` hash tag.
     */
    reportItems: (projectId: string, kind: string) => `${prefix}:reports:{${projectId}}:items:${kind}`,
    /** The cache's bookkeeping: the Taiga project's statuses and values, the sync cursor, the last full listing. */
    reportMeta: (projectId: string) => `${prefix}:reports:{${projectId}}:meta`,
    /** Held while one process brings the project's cache up to date. */
    reportSyncLock: (projectId: string) => `${prefix}:reports:{${projectId}}:sync-lock`,
    /** A rendered report (the API's answer), by a hash of its parameters, with a TTL. */
    reportOutput: (projectId: string, hash: string) => `${prefix}:reports:{${projectId}}:out:${hash}`,
  } as const;
}

export type Keys = ReturnType<typeof createKeys>;
export type IngestKeys = Keys['ingest'];
