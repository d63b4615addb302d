import { z } from 'zod';
import type { ProtocolRunEvent } from '../machine/protocol-run-machine.js';
import type { StepRunEvent } from '../machine/step-run-machine.js';
import { type CommentText, commentTexts as text } from './comment-texts.js';

/**
 * What every transition event may carry: the reason people read in comments and logs, and whatever the handler
 * that made the transition recorded (e.g. the engine's `durationMs`).
 */
export const TransitionPayload = z.looseObject({ reason: z.string().optional() });
export type TransitionPayload = z.infer<typeof TransitionPayload>;

/** One transition event: its schema version, its payload, and what it means for Taiga. */
export interface EventSpec {
  /** Bumped when the payload changes shape, so readers of old stream entries can tell. */
  readonly version: number;
  readonly payload: z.ZodType<TransitionPayload>;
  /** Whether Taiga's status and blocked flag must follow (the `sync_taiga` effect). */
  readonly syncsTaiga: boolean;
  /** The comment posted on Taiga (the `comment_taiga` effect), or null for an event people need not read. */
  readonly comment: CommentText | null;
}

const quiet = { version: 1, payload: TransitionPayload, syncsTaiga: false, comment: null } as const;
const synced = { ...quiet, syncsTaiga: true } as const;
const commented = (comment: CommentText): EventSpec => ({ ...synced, comment });

/**
 * The event catalog: every transition event of both machines, one row each. The one place that says which
 * transitions write Taiga's status and which post a comment (and its text). A new event is one row here and its
 * rows in the machine's table; TypeScript refuses a machine event without a row.
 */
export const eventCatalog = {
  protocol_run: {
    plan_started: synced,
    // Synced too: a project that gives `planned` a status of its own (to approve a plan by moving the story) must
    // see the story there; in the presets `planned` shares `planning`'s status, and the sync changes nothing.
    plan_ready: commented(text.planReady),
    plan_failed: commented(text.planFailed),
    run_started: synced,
    steps_completed: commented(text.runDone),
    pr_opened: commented(text.runInReview),
    // The run goes back to work; the fix-up step's own comments and task show it on the board.
    fixup_requested: synced,
    pr_merged: commented(text.runDone),
    pr_closed: commented(text.runPrClosed),
    blocked: commented(text.runBlocked),
    ci_failed: commented(text.runBlocked),
    failed: commented(text.runFailed),
    paused: synced,
    resumed: synced,
    replanned: synced,
    cancelled: commented(text.runCancelled),
  } satisfies Record<ProtocolRunEvent, EventSpec>,
  step_run: {
    step_started: synced,
    execution_finished: commented(text.stepExecuted),
    execution_failed: commented(text.stepExecutionFailed),
    // The worker died: the next attempt shows on the board when it starts.
    interrupted: quiet,
    qa_passed: commented(text.stepQaPassed),
    qa_failed: commented(text.stepQaFailed),
    ci_failed: commented(text.stepCiFailed),
    approved: commented(text.stepApproved),
    blocked: commented(text.stepBlocked),
    retried: synced,
    // Said only of a step cancelled on its own (its task deleted): a run's cancel says why once for all its steps.
    cancelled: commented(text.stepCancelled),
  } satisfies Record<StepRunEvent, EventSpec>,
} as const;

const byType = new Map<string, EventSpec>(
  Object.entries(eventCatalog).flatMap(([machine, events]) =>
    Object.entries(events as Record<string, EventSpec>).map(([event, spec]) => [`${machine}.${event}`, spec]),
  ),
);

/** The catalog's row for an event type such as `step_run.qa_passed`, or null for other events (`created`, …). */
export function eventSpec(type: string): EventSpec | null {
  return byType.get(type) ?? null;
}
