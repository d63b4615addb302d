import type { ProtocolRun, StepRun } from '@tundra/core';
import { z } from 'zod';
import { allowedStepActions, StepAction, stepActionEvent, stepRequestRule } from '../actions/action-map.js';
import { illegalAction, staleAction } from '../actions/refusals.js';
import type { Principal } from '../auth/principal.js';
import { actorOf, principalName } from '../auth/principal.js';
import { ApiError, ApiErrorCode, notFound } from '../errors.js';
import { type AnyRoute, defineRoute, type Reply } from '../http/route.js';
import { ActionBody, ErrorBody, StepActionResult, StepParams } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleStep } from './access.js';

interface StepActionInput {
  step: StepRun;
  run: ProtocolRun;
  principal: Principal;
  idempotencyKey: string;
  reason: string | null;
  expectedVersion: number | undefined;
}

async function currentStep(services: ApiServices, step: StepRun): Promise<StepRun> {
  const current = await services.store.runs.getStep(step.protocolRunId, step.id);
  if (!current) throw notFound('step run', step.id);
  return current;
}

/**
 * A rejection's reason is kept for the step's next attempt (its context file), as the `/tundra reject` command's is:
 * once per request, and only when the step may be rejected now.
 */
async function keepRejection(services: ApiServices, input: StepActionInput): Promise<void> {
  const { step, run, principal } = input;
  if (input.reason === null)
    throw new ApiError(
      ApiErrorCode.ValidationFailed,
      'invalid request: body.reason: a rejection needs a reason, for the next attempt',
      { issues: [{ location: 'body', path: 'reason', message: 'required to reject' }] },
    );
  // The same request again: its reason is kept already, and the transition answers as it did the first time.
  const remarks = await services.store.conversation.listRemarks(run.id);
  if (remarks.some((r) => r.entryId === input.idempotencyKey && r.kind === 'reject')) return;
  const allowed = allowedStepActions(step.status, run.status);
  if (!allowed.includes('reject'))
    throw illegalAction('step', 'reject', step.status, allowed, { runState: run.status });
  await services.store.conversation.addRemark(run.id, {
    entryId: input.idempotencyKey,
    at: services.now().toISOString(),
    author: principalName(principal),
    where: 'the operator API',
    kind: 'reject',
    text: input.reason,
    stepRunId: step.id,
  });
}

/** approve, reject, retry: StepRun machine events, with their effects dispatched. */
async function transitionAction(
  services: ApiServices,
  action: 'approve' | 'reject' | 'retry',
  input: StepActionInput,
): Promise<Reply> {
  const { step, run, principal } = input;
  if (action === 'reject') await keepRejection(services, input);
  const outcome = await services.commands.transitionStep(step, stepActionEvent[action], {
    actor: actorOf(principal),
    idempotencyKey: input.idempotencyKey,
    expectedVersion: input.expectedVersion,
    payload: { action, reason: input.reason },
    ...(input.reason ? { reason: input.reason } : {}),
  });
  switch (outcome.kind) {
    case 'applied':
      return {
        status: 200,
        body: { step: outcome.record, eventId: outcome.eventId, replayed: false, jobId: null },
      };
    case 'replayed':
      return {
        status: 200,
        body: {
          step: await currentStep(services, step),
          eventId: outcome.eventId,
          replayed: true,
          jobId: null,
        },
      };
    case 'refused':
      throw illegalAction('step', action, outcome.error.state, allowedStepActions(step.status, run.status), {
        runState: run.status,
      });
    case 'conflict':
      throw staleAction('step', outcome.status, outcome.version);
    case 'not_found':
      throw notFound('step run', step.id);
    default: {
      const unhandled: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * run, run_qa: enqueue the step's execution or QA. No state changes here (the executor and QA make their own
 * transitions), so the request is recorded as an audit event in the run's stream, once per idempotency key, by a
 * script that also checks the states; the job id derives from that event, so a replay enqueues nothing new.
 */
async function requestAction(
  services: ApiServices,
  action: 'run' | 'run_qa',
  input: StepActionInput,
): Promise<Reply> {
  const { step, run, principal } = input;
  const rule = stepRequestRule[action];
  const recorded = await services.apiStore.recordStepRequest({
    step,
    type: action === 'run' ? 'run_requested' : 'qa_requested',
    requiredStepStatus: rule.stepStatus,
    requiredRunStatus: rule.runStatus,
    actor: actorOf(principal),
    correlationId: run.correlationId,
    idempotencyKey: input.idempotencyKey,
    payload: { action, reason: input.reason },
    now: services.now(),
  });
  if (recorded.kind === 'not_found') throw notFound('step run', step.id);
  if (recorded.kind === 'refused') {
    const stepStatus = recorded.stepStatus as StepRun['status'];
    const runStatus = recorded.runStatus as ProtocolRun['status'];
    throw illegalAction('step', action, stepStatus, allowedStepActions(stepStatus, runStatus), {
      runState: runStatus,
    });
  }
  const ids = {
    projectId: run.projectId,
    correlationId: run.correlationId,
    protocolRunId: run.id,
    stepRunId: step.id,
  };
  const jobId =
    action === 'run'
      ? await services.queues.enqueue(
          'step.execute',
          { ...ids, attempt: step.attempts + 1 },
          { jobId: `execute-${run.id}-${recorded.eventId}` },
        )
      : await services.queues.enqueue(
          'step.qa',
          { ...ids, trigger: 'manual' },
          { jobId: `qa-${run.id}-${recorded.eventId}` },
        );
  return {
    status: 200,
    body: {
      step: await currentStep(services, step),
      eventId: recorded.eventId,
      replayed: recorded.kind === 'replayed',
      jobId,
    },
  };
}

export function stepActionRoutes(services: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/steps/:id/actions/:action',
      tag: 'actions',
      summary: 'Run a pending step, run its QA, approve or reject it (with a reason), or retry it',
      params: StepParams.extend({ action: z.enum(Object.values(StepAction)) }),
      body: ActionBody,
      idempotent: true,
      responses: {
        200: { description: 'Applied or enqueued, or replayed', schema: StepActionResult },
        409: {
          description: 'ILLEGAL_TRANSITION (details: state, runState, allowedActions) or CONFLICT',
          schema: ErrorBody,
        },
      },
      async handler({ params, body, principal, idempotencyKey }) {
        const step = await visibleStep(services, principal, params.id);
        const run = await services.store.runs.getRun(step.protocolRunId);
        if (!run) throw notFound('step run', step.id);
        const input = {
          step,
          run,
          principal,
          idempotencyKey,
          reason: body.reason ?? null,
          expectedVersion: body.expectedVersion,
        };
        return params.action === 'run' || params.action === 'run_qa'
          ? requestAction(services, params.action, input)
          : transitionAction(services, params.action, input);
      },
    }),
  ];
}
