import { z } from 'zod';
import { allowedProtocolActions, RunAction, runActionEvent } from '../actions/action-map.js';
import { illegalAction, staleAction } from '../actions/refusals.js';
import { actorOf } from '../auth/principal.js';
import { notFound } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { ActionBody, ErrorBody, RunActionResult, RunParams } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleRun } from './access.js';

/** pause, resume, cancel, replan: each one ProtocolRun machine event, recorded with who asked and why. */
export function runActionRoutes(services: ApiServices): AnyRoute[] {
  const { store } = services;
  return [
    defineRoute({
      method: 'post',
      path: '/runs/:runId/actions/:action',
      tag: 'actions',
      summary: 'Pause, resume, cancel or replan a run',
      params: RunParams.extend({ action: z.enum(Object.values(RunAction)) }),
      body: ActionBody,
      idempotent: true,
      responses: {
        200: {
          description: 'Applied, or replayed (the same Idempotency-Key was used before)',
          schema: RunActionResult,
        },
        409: {
          description: 'ILLEGAL_TRANSITION (details: state, allowedActions) or CONFLICT (changed meanwhile)',
          schema: ErrorBody,
        },
      },
      async handler({ params, body, principal, idempotencyKey }) {
        const run = await visibleRun(services, principal, params.runId);
        const reason = body.reason ?? null;
        const outcome = await services.commands.transitionRun(run, runActionEvent[params.action], {
          actor: actorOf(principal),
          idempotencyKey,
          expectedVersion: body.expectedVersion,
          payload: { action: params.action, reason },
          ...(reason ? { reason } : {}),
        });
        switch (outcome.kind) {
          case 'applied':
            return {
              status: 200,
              body: { protocol: outcome.record, eventId: outcome.eventId, replayed: false },
            };
          case 'replayed': {
            const current = await store.runs.getRun(run.id);
            if (!current) throw notFound('protocol run', run.id);
            return { status: 200, body: { protocol: current, eventId: outcome.eventId, replayed: true } };
          }
          case 'refused':
            throw illegalAction(
              'protocol run',
              params.action,
              outcome.error.state,
              allowedProtocolActions(run.status),
            );
          case 'conflict':
            throw staleAction('protocol run', outcome.status, outcome.version);
          case 'not_found':
            throw notFound('protocol run', run.id);
          default: {
            const unhandled: never = outcome;
            throw new Error(`unhandled outcome ${JSON.stringify(unhandled)}`);
          }
        }
      },
    }),
  ];
}
