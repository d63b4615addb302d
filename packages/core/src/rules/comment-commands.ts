import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import { allowedEvents } from '../machine/machine.js';
import { ProtocolRunEvent, protocolRunMachine } from '../machine/protocol-run-machine.js';
import { StepRunEvent } from '../machine/step-run-machine.js';

/**
 * The commands people give Tundra in Taiga comments: one row per command, what it needs and what it does. Each
 * row's `decide` is pure: from the run as it is now, it returns the transitions to make and the reply's first line,
 * or why not. The planner carries the actions out and replies; `allowedNow` names what would act at this moment.
 */

/** Where the comment was written: the run's story, a step's task, or the run's own (lone) task. */
export type CommandPlace = 'story' | 'task' | 'lone_task';

export interface CommandContext {
  readonly run: ProtocolRun;
  readonly steps: readonly StepRun[];
  /** The step whose task carries the comment (a lone task's own step included); null on the story. */
  readonly step: StepRun | null;
  readonly place: CommandPlace;
  /** The project asks a person to approve each plan (`planApproval: required`). */
  readonly planApproval: boolean;
}

/** One change a command makes; the planner applies them in order, keyed by the comment's history entry. */
export type CommandAction =
  | { readonly kind: 'run'; readonly event: ProtocolRunEvent; readonly reason: string }
  | {
      readonly kind: 'step';
      readonly stepRunId: string;
      readonly event: StepRunEvent;
      readonly reason: string;
    }
  /** The command's text, kept for the agent's context file (`retry`, `reject`, `replan`). */
  | {
      readonly kind: 'feedback';
      readonly remark: 'retry' | 'reject' | 'replan';
      readonly stepRunId: string | null;
      readonly text: string;
    };

export type CommandDecision =
  | { readonly kind: 'act'; readonly actions: readonly CommandAction[]; readonly done: string }
  /** A command that only answers (`status`, `help`): the reply is rendered from the run. */
  | { readonly kind: 'answer' }
  | { readonly kind: 'refuse'; readonly why: string };

export interface CommandRow {
  readonly name: string;
  /** How it is written, for `help`: `retry [text]`. */
  readonly usage: string;
  /** What it does, in a few words, for `help`. */
  readonly summary: string;
  decide(ctx: CommandContext, text: string): CommandDecision;
}

const stepLabel = (ctx: CommandContext, step: StepRun) =>
  `step ${step.order + 1}/${ctx.steps.length} "${step.title}"`;

const runAccepts = (ctx: CommandContext, event: ProtocolRunEvent) =>
  allowedEvents(protocolRunMachine, ctx.run.status).includes(event);

/** The step a blocked or running run is on: the first that is neither completed nor cancelled. */
function currentStep(ctx: CommandContext): StepRun | null {
  return (
    [...ctx.steps]
      .sort((a, b) => a.order - b.order)
      .find((step) => step.status !== 'completed' && step.status !== 'cancelled') ?? null
  );
}

const onRunItem = (ctx: CommandContext) => ctx.place !== 'task';

function refuseOffItem(ctx: CommandContext, name: string): CommandDecision | null {
  return onRunItem(ctx)
    ? null
    : { kind: 'refuse', why: `\`${name}\` acts on the whole run: write it on the run's story` };
}

/** What the run is doing now, in a few words: "the run is blocked", "step 2 is running". */
function runNow(ctx: CommandContext): string {
  const step = currentStep(ctx);
  return step && ctx.run.status === 'running'
    ? `${stepLabel(ctx, step)} is ${step.status}`
    : `the run is ${ctx.run.status}`;
}

/** Retrying a step, and resuming its blocked run in the same gesture. */
function retryStep(ctx: CommandContext, step: StepRun, text: string): CommandDecision {
  const resume = ctx.run.status === 'blocked';
  return {
    kind: 'act',
    actions: [
      ...(text ? [{ kind: 'feedback', remark: 'retry', stepRunId: step.id, text } as const] : []),
      { kind: 'step', stepRunId: step.id, event: StepRunEvent.Retried, reason: 'retry asked in a comment' },
      ...(resume
        ? [{ kind: 'run', event: ProtocolRunEvent.Resumed, reason: 'retry asked in a comment' } as const]
        : []),
    ],
    done: `Retrying ${stepLabel(ctx, step)}${resume ? ', and the run goes on' : ''}.`,
  };
}

const retryable = (step: StepRun | null): step is StepRun & { status: 'failed' | 'blocked' } =>
  step !== null && (step.status === 'failed' || step.status === 'blocked');

function retry(ctx: CommandContext, text: string): CommandDecision {
  if (ctx.place === 'task' || (ctx.place === 'lone_task' && retryable(ctx.step))) {
    const step = ctx.step;
    if (retryable(step)) return retryStep(ctx, step, text);
    return {
      kind: 'refuse',
      why: step ? `nothing to retry: ${stepLabel(ctx, step)} is ${step.status}` : 'this task is no step',
    };
  }
  if (ctx.run.status !== 'blocked') {
    return {
      kind: 'refuse',
      why:
        ctx.run.status === 'failed'
          ? 'the plan failed: `replan` plans again'
          : `nothing to retry: ${runNow(ctx)}`,
    };
  }
  const step = currentStep(ctx);
  if (retryable(step)) return retryStep(ctx, step, text);
  return resumeRun(ctx, text, 'retry asked in a comment');
}

/** The run event alone when the run's state takes it now, else a refusal that says the state. */
function runEventOrRefuse(
  ctx: CommandContext,
  event: ProtocolRunEvent,
  verb: string,
  reason: string,
  done: string,
): CommandDecision {
  return runAccepts(ctx, event)
    ? { kind: 'act', actions: [{ kind: 'run', event, reason }], done }
    : { kind: 'refuse', why: `nothing to ${verb}: the run is ${ctx.run.status}` };
}

function resumeRun(ctx: CommandContext, text: string, reason: string): CommandDecision {
  const step = currentStep(ctx);
  // A blocked run resumed with its step still blocked would block again at once: the step is retried with it.
  if (ctx.run.status === 'blocked' && retryable(step)) return retryStep(ctx, step, text);
  return {
    kind: 'act',
    actions: [{ kind: 'run', event: ProtocolRunEvent.Resumed, reason }],
    done: 'Resumed the run.',
  };
}

/** Every command, in the order `help` lists them. */
export const commandTable = [
  {
    name: 'status',
    usage: 'status',
    summary: "the run's state, its steps, time and cost",
    decide: () => ({ kind: 'answer' }),
  },
  {
    name: 'retry',
    usage: 'retry [text]',
    summary: 'run a failed or blocked step again, with the text as guidance; resumes a blocked run',
    decide: retry,
  },
  {
    name: 'approve',
    usage: 'approve',
    summary: "accept a step that waits for a person's review (on the step's task)",
    decide: (ctx) => {
      const step = ctx.step;
      if (ctx.place === 'story' || step === null)
        return { kind: 'refuse', why: "`approve` decides a step: write it on the step's task" };
      if (step.status !== 'needs_qa' && step.status !== 'blocked')
        return { kind: 'refuse', why: `nothing to approve: ${stepLabel(ctx, step)} is ${step.status}` };
      // A blocked step blocks its run: approving it lets the run go on in the same gesture.
      const resume = ctx.run.status === 'blocked';
      return {
        kind: 'act',
        actions: [
          { kind: 'step', stepRunId: step.id, event: StepRunEvent.Approved, reason: 'approved in a comment' },
          ...(resume
            ? [{ kind: 'run', event: ProtocolRunEvent.Resumed, reason: 'approved in a comment' } as const]
            : []),
        ],
        done: `Approved ${stepLabel(ctx, step)}${resume ? ', and the run goes on' : ''}.`,
      };
    },
  },
  {
    name: 'reject',
    usage: 'reject <why>',
    summary: "send a step back; the reason goes to the next attempt (on the step's task)",
    decide: (ctx, text) => {
      const step = ctx.step;
      if (ctx.place === 'story' || step === null)
        return { kind: 'refuse', why: "`reject` decides a step: write it on the step's task" };
      if (step.status !== 'needs_qa')
        return { kind: 'refuse', why: `nothing to reject: ${stepLabel(ctx, step)} is ${step.status}` };
      if (text === '') return { kind: 'refuse', why: 'say why: `/tundra reject <why>`' };
      return {
        kind: 'act',
        actions: [
          { kind: 'feedback', remark: 'reject', stepRunId: step.id, text },
          { kind: 'step', stepRunId: step.id, event: StepRunEvent.QaFailed, reason: `rejected: ${text}` },
        ],
        done: `Rejected ${stepLabel(ctx, step)}; the next attempt gets your reason.`,
      };
    },
  },
  {
    name: 'pause',
    usage: 'pause',
    summary: 'stop working on the run until `resume`',
    decide: (ctx) =>
      refuseOffItem(ctx, 'pause') ??
      runEventOrRefuse(ctx, ProtocolRunEvent.Paused, 'pause', 'paused in a comment', 'Paused the run.'),
  },
  {
    name: 'resume',
    usage: 'resume',
    summary: 'go on with a paused or blocked run',
    decide: (ctx, text) =>
      refuseOffItem(ctx, 'resume') ??
      (runAccepts(ctx, ProtocolRunEvent.Resumed)
        ? resumeRun(ctx, text, 'resumed in a comment')
        : { kind: 'refuse', why: `nothing to resume: ${runNow(ctx)}` }),
  },
  {
    name: 'cancel',
    usage: 'cancel [why]',
    summary: 'stop the run for good',
    decide: (ctx, text) =>
      refuseOffItem(ctx, 'cancel') ??
      runEventOrRefuse(
        ctx,
        ProtocolRunEvent.Cancelled,
        'cancel',
        text ? `cancelled in a comment: ${text}` : 'cancelled in a comment',
        'Cancelled the run.',
      ),
  },
  {
    name: 'replan',
    usage: 'replan [text]',
    summary: 'plan a failed or planned run again, with the text as guidance',
    decide: (ctx, text) =>
      refuseOffItem(ctx, 'replan') ??
      (runAccepts(ctx, ProtocolRunEvent.Replanned)
        ? {
            kind: 'act',
            actions: [
              ...(text ? [{ kind: 'feedback', remark: 'replan', stepRunId: null, text } as const] : []),
              { kind: 'run', event: ProtocolRunEvent.Replanned, reason: 'replan asked in a comment' },
            ],
            done: 'Planning again.',
          }
        : { kind: 'refuse', why: `only a failed or planned run plans again: ${runNow(ctx)}` }),
  },
  {
    name: 'go',
    usage: 'go',
    summary: 'start a run whose plan waits for approval',
    decide: (ctx) =>
      refuseOffItem(ctx, 'go') ??
      (ctx.run.status === 'planned'
        ? {
            kind: 'act',
            actions: [
              { kind: 'run', event: ProtocolRunEvent.RunStarted, reason: 'plan approved in a comment' },
            ],
            done: 'Plan approved: starting the run.',
          }
        : { kind: 'refuse', why: `no plan waits for approval: ${runNow(ctx)}` }),
  },
  {
    name: 'help',
    usage: 'help',
    summary: 'this list',
    decide: () => ({ kind: 'answer' }),
  },
] as const satisfies readonly CommandRow[];

export type CommandName = (typeof commandTable)[number]['name'];

/** The row of a command name as a person wrote it (lower-cased), or null for a word that is no command. */
export function findCommand(name: string): CommandRow | null {
  return (commandTable as readonly CommandRow[]).find((row) => row.name === name) ?? null;
}

/** The commands that would do something here and now (answers always do): what every reply names. */
export function allowedNow(ctx: CommandContext): CommandName[] {
  return commandTable
    .filter((row) => (row as CommandRow).decide(ctx, 'x').kind !== 'refuse')
    .map((row) => row.name);
}
