import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import {
  type ContextAttempt,
  type ContextConventions,
  type ContextFile,
  type ContextItem,
  type ContextRemark,
  renderContextFile,
} from './context-file.js';

/**
 * The context file of a run, from its records: what the executor gives each step attempt and the planner gives
 * its plan engine. Both come through here, so a plan engine reads the same item, plan and remarks, in the same
 * shape and masked the same way, as the exec engine that follows it.
 */

/** Step events that end an attempt, and how the context file says it ended. */
const attemptEnds: Record<string, string> = {
  'step_run.execution_failed': 'failed',
  'step_run.qa_failed': 'failed QA',
  'step_run.ci_failed': 'blocked by CI',
  'step_run.blocked': 'blocked',
  'step_run.interrupted': 'interrupted',
  'step_run.execution_finished': 'executed',
};
const failures = new Set([
  'step_run.execution_failed',
  'step_run.qa_failed',
  'step_run.ci_failed',
  'step_run.blocked',
]);

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** This step's earlier attempts and how each ended, oldest first, from the run's events. */
export function earlierAttempts(events: readonly RunEvent[], stepId: string): ContextAttempt[] {
  const ends = events.filter((event) => event.entityId === stepId && attemptEnds[event.type] !== undefined);
  return ends.map((event, index) => ({
    attempt: typeof event.payload.attempt === 'number' ? event.payload.attempt : index + 1,
    outcome: attemptEnds[event.type] ?? event.type,
    summary: text(event.payload.reason),
    model: text(event.payload.model),
  }));
}

/** Whether the step's latest attempt ended in a failure (the next one takes the fallback model). */
export function lastAttemptFailed(events: readonly RunEvent[], stepId: string): boolean {
  const last = events
    .filter((event) => event.entityId === stepId && attemptEnds[event.type] !== undefined)
    .at(-1);
  return last !== undefined && failures.has(last.type);
}

export interface RunContextInput {
  /** The run's Taiga item: read from Taiga when planning, the run's record when executing. */
  item: { type: ContextItem['kind']; ref: number; subject: string; description: string };
  /** The run's steps: the plan (when replanning, the plan being replaced); none before the first plan. */
  steps: readonly StepRun[];
  /** The step attempt the file is for, with the run's events (its earlier attempts); null for a plan engine. */
  attempt: { step: StepRun; number: number; events: readonly RunEvent[] } | null;
  /** What people said on the run's items, oldest first. */
  remarks: readonly ContextRemark[];
  conventions: ContextConventions | null;
  maxBytes: number;
  /** Masks secrets in everything that goes into the file. */
  mask: (text: string) => string;
}

/** Renders a run's context file with core's one renderer, every text from people or tools masked. */
export function renderRunContext(input: RunContextInput): ContextFile {
  const { mask, attempt } = input;
  const item: ContextItem = {
    kind: input.item.type,
    ref: input.item.ref,
    subject: mask(input.item.subject),
    description: mask(input.item.description),
    url: null,
  };
  return renderContextFile({
    step: attempt && {
      number: attempt.step.order + 1,
      title: mask(attempt.step.title),
      instructions: mask(attempt.step.instructions),
      attempt: attempt.number,
    },
    story: item.kind === 'userstory' ? item : null,
    task: item.kind === 'task' ? item : null,
    plan: [...input.steps]
      .sort((a, b) => a.order - b.order)
      .map((s) => ({
        number: s.order + 1,
        title: mask(s.title),
        status: s.status,
        commitSha: s.commitSha,
        summary: s.resultSummary === null ? null : mask(s.resultSummary),
      })),
    attempts: attempt
      ? earlierAttempts(attempt.events, attempt.step.id).map((a) => ({
          ...a,
          summary: a.summary === null ? null : mask(a.summary),
        }))
      : [],
    remarks: input.remarks.map((remark) => ({ ...remark, text: mask(remark.text) })),
    conventions: input.conventions && {
      path: input.conventions.path,
      text: mask(input.conventions.text),
    },
    maxBytes: input.maxBytes,
  });
}
