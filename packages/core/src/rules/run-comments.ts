import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';

/** A comment to post on a Taiga item, and which item. */
export interface RunComment {
  /** `item`: the run's own story or task; `step`: the step's task (its story when the step has no task). */
  readonly on: 'item' | 'step';
  readonly stepRunId: string | null;
  readonly text: string;
}

/** The marker that ends every Tundra comment, so a retried write-back can see a comment was already posted. */
export function commentMarker(eventId: string): string {
  return `tundra-event:${eventId}`;
}

const reasonOf = (event: RunEvent) =>
  typeof event.payload.reason === 'string' ? event.payload.reason : null;

/**
 * The comment people see on Taiga for an event, or null for events that need none. Comments mark the moments
 * people care about: the plan, each finished step, a block or failure with its reason, and the end of the run.
 */
export function commentFor(event: RunEvent, run: ProtocolRun, steps: readonly StepRun[]): RunComment | null {
  const text = commentText(event, run, steps);
  if (text === null) return null;
  const step = event.type.startsWith('step_run.') ? steps.find((s) => s.id === event.entityId) : undefined;
  return {
    on: step ? 'step' : 'item',
    stepRunId: step?.id ?? null,
    text: `${text}\n\n<sub>Tundra · run ${run.id} · ${commentMarker(event.id)}</sub>`,
  };
}

function commentText(event: RunEvent, run: ProtocolRun, steps: readonly StepRun[]): string | null {
  const reason = reasonOf(event);
  const step = steps.find((s) => s.id === event.entityId);
  const stepName = step ? `Step ${step.order + 1}/${steps.length} "${step.title}"` : 'A step';
  switch (event.type) {
    case 'protocol_run.plan_ready':
      return [
        `🧭 Tundra planned this in ${steps.length} step${steps.length === 1 ? '' : 's'}:`,
        ...steps.map((s) => `${s.order + 1}. ${s.title}`),
      ].join('\n');
    case 'protocol_run.plan_failed':
      return `⚠️ Tundra could not plan this: ${reason ?? run.reason ?? 'unknown reason'}`;
    case 'step_run.execution_finished':
      return `✅ ${stepName} is done${step?.resultSummary ? `: ${step.resultSummary}` : '.'}${step?.commitSha ? `\nCommit \`${step.commitSha.slice(0, 12)}\` on branch \`${run.branch ?? ''}\`.` : ''}`;
    case 'step_run.execution_failed':
      return `❌ ${stepName} failed (attempt ${step?.attempts ?? '?'}): ${step?.resultSummary ?? reason ?? 'see the logs'}`;
    case 'step_run.qa_failed':
      return `❌ ${stepName} failed QA: ${step?.resultSummary ?? reason ?? 'see the logs'}`;
    case 'step_run.ci_failed':
      return `❌ CI failed for ${stepName}${reason ? `: ${reason}` : '.'}`;
    case 'protocol_run.blocked':
    case 'protocol_run.ci_failed':
      return `⛔ Tundra is blocked: ${reason ?? run.reason ?? 'unknown reason'}`;
    case 'protocol_run.failed':
      return `⛔ Tundra failed: ${reason ?? run.reason ?? 'unknown reason'}`;
    case 'protocol_run.steps_completed':
    case 'protocol_run.pr_merged':
      return `🎉 Done: ${steps.length} step${steps.length === 1 ? '' : 's'} completed${run.branch ? ` on branch \`${run.branch}\`` : ''}${event.type === 'protocol_run.pr_merged' ? ', merged' : ''}.`;
    case 'protocol_run.cancelled':
      return `🛑 Tundra cancelled this run${reason ? `: ${reason}` : '.'}`;
    default:
      return null;
  }
}
