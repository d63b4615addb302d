import type { QaPolicyConfig, StepRun } from '@tundra/core';

/**
 * What a CI result means for a run's steps, decided from the steps alone. Pure: the `ci.result` and `step.qa`
 * handlers read the records, ask here, and carry out the answer.
 */

/**
 * The steps a CI result for `sha` covers: every step up to the last one whose commit is `sha`, or all of them when
 * `sha` is unknown (a commit pushed by a person on top of the run's branch contains every step's work).
 *
 * The last, not the first: a step that changed nothing records the commit it found (its predecessor's), so several
 * steps can share one SHA, and the verdict on that tree is the verdict on each of them.
 */
export function stepsCoveredBy(steps: readonly StepRun[], sha: string | null): StepRun[] {
  const ordered = [...steps].sort((a, b) => a.order - b.order);
  if (sha === null) return ordered;
  const last = ordered.findLastIndex((step) => step.commitSha === sha);
  return last < 0 ? ordered : ordered.slice(0, last + 1);
}

/** What a green CI run does to the steps it covers, by the project's QA policy. */
export type CiSuccessAction =
  /** `ci` policy: CI is the judge, the waiting (or CI-blocked) steps pass. */
  | { readonly kind: 'pass'; readonly steps: readonly StepRun[] }
  /** Any other policy: CI is a trigger, each waiting step gets its `step.qa` job and the policy decides. */
  | { readonly kind: 'enqueue_qa'; readonly steps: readonly StepRun[] }
  | { readonly kind: 'ignore'; readonly reason: string };

/**
 * Decides what a CI success does. TUNDRA_AUTO_QA_ON_CI off means CI success decides nothing on its own, whatever
 * the policy (a person approves or asks for QA instead); a CI failure blocks regardless, which is not decided here.
 */
export function onCiSuccess(
  policy: QaPolicyConfig['kind'] | null,
  autoQaOnCi: boolean,
  covered: readonly StepRun[],
): CiSuccessAction {
  if (!autoQaOnCi) return { kind: 'ignore', reason: 'TUNDRA_AUTO_QA_ON_CI is off' };
  switch (policy) {
    case null:
      return { kind: 'ignore', reason: 'the project is gone' };
    case 'ci':
      // A blocked step is one an earlier CI failure stopped: a green run for it (a re-run, a fix) clears it.
      return {
        kind: 'pass',
        steps: covered.filter((step) => step.status === 'needs_qa' || step.status === 'blocked'),
      };
    case 'command':
    case 'manual': {
      const waiting = covered.filter((step) => step.status === 'needs_qa');
      return waiting.length > 0
        ? { kind: 'enqueue_qa', steps: waiting }
        : { kind: 'ignore', reason: 'no covered step waits for QA' };
    }
    default: {
      const unexpected: never = policy;
      throw new Error(`unexpected QA policy ${String(unexpected)}`);
    }
  }
}

/**
 * The id of the `step.qa` job a CI success enqueues: one per step, per waiting state (its version) and per CI
 * commit, so the same result reported twice (a forge webhook and the pipeline's own callback, a retried delivery)
 * enqueues one job, while a new commit, or the step waiting again after a retry, gets a new one. BullMQ refuses
 * ids with ':'; what the SHA or event id could bring in beyond `[A-Za-z0-9_-]` is replaced.
 */
export function ciQaJobId(
  runId: string,
  step: Pick<StepRun, 'id' | 'version'>,
  ci: { sha: string | null; sourceEventId: string },
): string {
  const source = (ci.sha ?? `event-${ci.sourceEventId}`).replace(/[^A-Za-z0-9_-]/g, '_');
  return `qa-ci-${runId}-${step.id}-v${step.version}-${source}`;
}

/** A waiting step's verdict known before any new CI run, or why there is none. */
export type SameCommitVerdict =
  | { readonly kind: 'pass'; readonly from: StepRun }
  | { readonly kind: 'wait'; readonly reason: string };

export interface SameCommitInput {
  policy: QaPolicyConfig['kind'];
  autoQaOnCi: boolean;
  steps: readonly StepRun[];
  step: StepRun;
}

/**
 * A step that changed nothing has no commit of its own: it records the commit it found, an earlier step's, and no
 * CI run will ever fire for it (nothing new was pushed). Under the `ci` policy, when that earlier step was accepted
 * (CI passed it, or a person approved it), the tree this step leaves is the tree already accepted, and it passes at
 * once; waiting would wait forever. An earlier step at that commit that was not accepted decides nothing, and a
 * step with a commit of its own waits for CI's verdict on it. Only where CI decides QA automatically: with
 * TUNDRA_AUTO_QA_ON_CI off, or another policy, a person or the policy's checks decide every step.
 */
export function sameCommitVerdict({ policy, autoQaOnCi, steps, step }: SameCommitInput): SameCommitVerdict {
  if (policy !== 'ci') return { kind: 'wait', reason: `the QA policy is ${policy}` };
  if (!autoQaOnCi) return { kind: 'wait', reason: 'TUNDRA_AUTO_QA_ON_CI is off' };
  if (step.status !== 'needs_qa') return { kind: 'wait', reason: `the step is ${step.status}` };
  if (step.commitSha === null) return { kind: 'wait', reason: 'the step has no commit' };
  const latest = [...steps]
    .sort((a, b) => a.order - b.order)
    .filter((other) => other.order < step.order && other.commitSha === step.commitSha)
    .at(-1);
  if (!latest) return { kind: 'wait', reason: "the commit is the step's own: CI judges it" };
  return latest.status === 'completed'
    ? { kind: 'pass', from: latest }
    : { kind: 'wait', reason: `step ${latest.order + 1} at the same commit is ${latest.status}` };
}

/**
 * CI's verdict on one commit of a run, as `ci.result` records it before deciding anything. The executor pushes a
 * step's commit before it records the step as executed, so CI can report on that commit while no step waits for
 * it yet; and a step retried without change comes back to a commit CI already judged. Either way the verdict must
 * still reach the step when it starts waiting.
 */
export interface CiVerdict {
  readonly outcome: 'success' | 'failure';
  readonly url: string | null;
  /** When `ci.result` recorded it (ISO 8601). */
  readonly at: string;
  /** The inbox event the result came in with. */
  readonly sourceEventId: string;
}

/** The reason a CI result gives the steps it decides, as the step and the board show it. */
export function ciReason(ci: {
  outcome: string;
  branch: string | null;
  sha: string | null;
  url: string | null;
}): string {
  const on = ci.branch ? ` on ${ci.branch}` : '';
  return `CI ${ci.outcome}${on}${ci.sha ? ` at ${ci.sha.slice(0, 12)}` : ''}${ci.url ? ` (${ci.url})` : ''}`;
}

/** What a step that has just started waiting for QA gets from what is already known about its commit. */
export type KnownVerdict =
  /** An earlier step at the same commit was accepted: see `sameCommitVerdict`. */
  | { readonly kind: 'carry_over'; readonly from: StepRun }
  /** CI already passed the commit: the step passes as a CI success would pass it. */
  | { readonly kind: 'ci_passed'; readonly ci: CiVerdict }
  /** CI already failed the commit: the step is blocked as a CI failure would block it. */
  | { readonly kind: 'ci_failed'; readonly ci: CiVerdict }
  | { readonly kind: 'wait'; readonly reason: string };

export interface KnownVerdictInput extends SameCommitInput {
  /** CI's recorded verdict on the step's commit, if CI has reported on it. */
  ci: CiVerdict | null;
}

/**
 * Decides a step waiting for QA under the `ci` policy from what is known before any new CI result: the verdict
 * carried over from an earlier accepted step at the same commit first (an acceptance stands against a later CI
 * failure of the same tree, as it does for that earlier step), then CI's recorded verdict on the commit, decided as
 * `ci.result` would decide it had the step been waiting when it came: a failure blocks whatever
 * TUNDRA_AUTO_QA_ON_CI says, a success passes only when it is on. Nothing known: the step waits for CI.
 */
export function knownVerdict(input: KnownVerdictInput): KnownVerdict {
  const { policy, autoQaOnCi, step, ci } = input;
  if (policy !== 'ci') return { kind: 'wait', reason: `the QA policy is ${policy}` };
  if (step.status !== 'needs_qa') return { kind: 'wait', reason: `the step is ${step.status}` };
  if (step.commitSha === null) return { kind: 'wait', reason: 'the step has no commit' };
  const carried = sameCommitVerdict(input);
  if (carried.kind === 'pass') return { kind: 'carry_over', from: carried.from };
  if (ci === null) return { kind: 'wait', reason: `${carried.reason}; CI has not reported on it yet` };
  if (ci.outcome === 'failure') return { kind: 'ci_failed', ci };
  return autoQaOnCi
    ? { kind: 'ci_passed', ci }
    : { kind: 'wait', reason: 'CI passed the commit, but TUNDRA_AUTO_QA_ON_CI is off' };
}
