import type { ProtocolRun, StepRun } from '@tundra/core';
import type { Command } from 'commander';
import { idempotencyKey, withContext } from '../context.js';
import { usageError } from '../errors.js';
import type { Io } from '../output.js';
import { positiveInt, taigaRef } from '../parse.js';

interface ActionOptions {
  reason?: string;
  idempotencyKey?: string;
  expectedVersion?: number;
}

function startOptions(command: Command): Command {
  return command
    .option('-r, --reason <text>', 'why (recorded in the run event stream)')
    .option('--idempotency-key <key>', 'send the same key to retry safely (default: a new one)');
}

/** An action on an existing run or step can also insist on the version the operator looked at. */
function actionOptions(command: Command): Command {
  return startOptions(command).option(
    '--expected-version <n>',
    'refuse unless the record is still at this version',
    positiveInt,
  );
}

function actionBody(options: ActionOptions) {
  return {
    body: {
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
    },
    headers: { 'idempotency-key': idempotencyKey(options.idempotencyKey) },
  };
}

/** `go` is the API's `start`: `run start` already starts a run for a Taiga item. */
const runActions = [
  ['pause', 'pause', 'Pause a run (its running engine is stopped)'],
  ['resume', 'resume', 'Resume a paused or blocked run'],
  ['cancel', 'cancel', 'Cancel a run (for good)'],
  ['replan', 'replan', 'Plan a failed or planned run again'],
  ['go', 'start', "Approve a run's plan and start it (planApproval: required), as /tundra go does"],
] as const;

const stepActions = [
  ['approve', 'approve', 'Approve a step waiting for QA or blocked'],
  [
    'reject',
    'reject',
    'Reject a step waiting for QA: --reason (required) is feedback for its next attempt, as /tundra reject',
  ],
  ['retry', 'retry', 'Hand a failed or blocked step back to pending'],
  ['run', 'run', 'Run a pending step of a running run now'],
  ['qa', 'run_qa', 'Run QA of a step waiting for it'],
] as const;

export function registerActions(program: Command, io: Io, env: Record<string, string | undefined>): void {
  const run = program
    .command('run')
    .description('Start a run, or approve its plan, pause, resume, cancel or replan one');

  startOptions(
    run
      .command('start')
      .description('Start a run for a Taiga user story or task')
      .argument('<ref>', 'the Taiga ref: 42, #42 or TG-42', taigaRef)
      .option('-p, --project <id>', 'project id (default: $TUNDRA_PROJECT)'),
  ).action(
    withContext(
      io,
      env,
      async ({ api, out, env: vars }, ref: number, options: ActionOptions & { project?: string }) => {
        const projectId = options.project ?? vars.TUNDRA_PROJECT;
        if (!projectId) throw usageError('which project? pass --project or set TUNDRA_PROJECT');
        const { headers } = actionBody(options);
        const body = { projectId, ref, ...(options.reason === undefined ? {} : { reason: options.reason }) };
        const started = await api.request('POST', '/runs', { body, headers });
        out.result(started, () => {
          const what = `${started.taigaItem?.type ?? 'item'} #${ref}`;
          const replayed = started.replayed ? ' — already done with this idempotency key' : '';
          if (started.status === 'active') {
            const active = started.protocol as ProtocolRun;
            out.line(
              `${active.taigaItem.type} #${ref} already has an active run: ${active.id} (${active.status})${replayed}`,
            );
          } else {
            out.line(`Start of ${what} enqueued (job ${started.jobId})${replayed}.`);
            out.line(`Follow it with: tundra runs list --project ${projectId}`);
          }
        });
      },
    ),
  );

  for (const [name, action, description] of runActions) {
    actionOptions(run.command(name).description(description).argument('<run-id>')).action(
      withContext(io, env, async ({ api, out }, runId: string, options: ActionOptions) => {
        const result = await api.request(
          'POST',
          `/runs/${encodeURIComponent(runId)}/actions/${action}`,
          actionBody(options),
        );
        out.result(result, () =>
          out.line(
            `${result.protocol.id}: ${result.protocol.status} (event ${result.eventId})` +
              (result.replayed ? ' — already done with this idempotency key' : ''),
          ),
        );
      }),
    );
  }

  const step = program.command('step').description('Approve, reject, retry, run or QA a step');
  for (const [name, action, description] of stepActions) {
    actionOptions(step.command(name).description(description).argument('<step-id>')).action(
      withContext(io, env, async ({ api, out }, stepId: string, options: ActionOptions) => {
        if (action === 'reject' && !options.reason?.trim())
          throw usageError('why? a rejection needs --reason: the next attempt gets it as feedback');
        const result = await api.request(
          'POST',
          `/steps/${encodeURIComponent(stepId)}/actions/${action}`,
          actionBody(options),
        );
        const current = result.step as StepRun;
        out.result(result, () =>
          out.line(
            `${current.id}: ${current.status}` +
              (result.jobId ? ` (job ${result.jobId} enqueued)` : ` (event ${result.eventId})`) +
              (result.replayed ? ' — already done with this idempotency key' : ''),
          ),
        );
      }),
    );
  }
}
