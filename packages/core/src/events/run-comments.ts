import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import { eventSpec } from './event-catalog.js';

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

/** The comment people see on Taiga for an event, as the event catalog words it, or null for events that need none. */
export function commentFor(event: RunEvent, run: ProtocolRun, steps: readonly StepRun[]): RunComment | null {
  const build = eventSpec(event.type)?.comment;
  if (!build) return null;
  const step = event.type.startsWith('step_run.') ? steps.find((s) => s.id === event.entityId) : undefined;
  const text = build({ event, run, steps, step });
  if (text === null) return null;
  return {
    on: step ? 'step' : 'item',
    stepRunId: step?.id ?? null,
    // Real Taiga escapes raw HTML such as `<sub>`: the footer is Markdown a person can read or skip.
    text: `${text}\n\n---\n\n_Tundra · run \`${run.id}\` · ${commentMarker(event.id)}_`,
  };
}
