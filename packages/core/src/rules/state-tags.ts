import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';

/**
 * Tags as state (optional per project, `stateTags: true`): one `tundra:*` tag on the run's story says where the run
 * is, so a person can filter the board for what waits for them. Tundra owns these four tags and no other.
 */
export const StateTag = {
  Running: 'tundra:running',
  NeedsHuman: 'tundra:needs-human',
  Blocked: 'tundra:blocked',
  Done: 'tundra:done',
} as const;
export type StateTag = (typeof StateTag)[keyof typeof StateTag];

const stateTags: readonly string[] = Object.values(StateTag);

/**
 * The tag the story should carry: `needs-human` while a plan waits for approval or a step waits for a person's
 * review or a run's pull request waits for one; `blocked` for a blocked or failed run; `done` once completed; `running` while Tundra works; none for a
 * paused or cancelled run (a person stopped it and knows).
 */
export function stateTagFor(
  run: Pick<ProtocolRun, 'status'>,
  steps: readonly Pick<StepRun, 'status'>[],
  options: { planApproval: boolean; manualQa: boolean },
): StateTag | null {
  switch (run.status) {
    case 'completed':
      return StateTag.Done;
    case 'blocked':
    case 'failed':
      return StateTag.Blocked;
    case 'in_review':
      // The pull request waits for a person's review or merge.
      return StateTag.NeedsHuman;
    case 'planned':
      return options.planApproval ? StateTag.NeedsHuman : StateTag.Running;
    case 'running':
      return options.manualQa && steps.some((step) => step.status === 'needs_qa')
        ? StateTag.NeedsHuman
        : StateTag.Running;
    case 'pending':
    case 'planning':
      return StateTag.Running;
    case 'paused':
    case 'cancelled':
      return null;
    default: {
      const unexpected: never = run.status;
      throw new Error(`unexpected run status ${String(unexpected)}`);
    }
  }
}

/**
 * The story's tags with Tundra's state tag set to `wanted` and every other tag left as it is, or null when they are
 * so already. Taiga reads tags as `[name, color]` pairs and takes them back as names.
 */
export function stateTagsPatch(current: readonly unknown[], wanted: StateTag | null): string[] | null {
  const names = current.map((tag) => (Array.isArray(tag) ? String(tag[0]) : String(tag)));
  const kept = names.filter((name) => !stateTags.includes(name));
  const next = wanted ? [...kept, wanted] : kept;
  const same = next.length === names.length && next.every((name) => names.includes(name));
  return same ? null : next;
}
