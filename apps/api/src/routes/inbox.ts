import { ApiError, ApiErrorCode, notFound } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { InboxPage, InboxParams, InboxQuery } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleProject } from './access.js';

/** Asks the ingester to re-drive one inbox entry (its `POST /admin/inbox/replay`); null when none is configured. */
export type InboxReplay = (deliveryId: string) => Promise<{ status: number; body: unknown }>;

export function inboxRoutes(services: ApiServices, replay: InboxReplay | null): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/inbox',
      tag: 'inbox',
      summary: "The ingester's accepted deliveries, newest first, with their verdicts and routes",
      query: InboxQuery,
      responses: {
        200: {
          description: 'A page of deliveries; pass `next` as `before` for older ones',
          schema: InboxPage,
        },
      },
      async handler({ query, principal }) {
        // A project token sees its own project's deliveries only; CI and forge deliveries name no project.
        let project: string | null = query.project ?? null;
        if (project !== null) await visibleProject(services, principal, project);
        else if (principal.kind === 'project') project = principal.projectId;
        const page = await services.inbox.page({ project, before: query.before, limit: query.limit });
        return { status: 200, body: page };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inbox/:deliveryId/actions/replay',
      tag: 'inbox',
      summary: 'Replay one delivery: the ingester routes it again and enqueues its jobs (admin)',
      params: InboxParams,
      idempotent: true,
      adminOnly: true,
      responses: {
        200: {
          description:
            "The ingester's answer: `{replayed: [{deliveryId, outcome, replayDeliveryId, jobs}]}` (plus `eventId` and `replayEventId`, their deprecated names)",
        },
        502: { description: 'The ingester could not be asked (TUNDRA_INGESTER_URL unset or unreachable)' },
      },
      async handler({ params, idempotencyKey }) {
        if (!(await services.inbox.get(params.deliveryId))) throw notFound('inbox entry', params.deliveryId);
        if (replay === null) {
          throw new ApiError(
            ApiErrorCode.IngesterUnavailable,
            'replay needs TUNDRA_INGESTER_URL, the address at which the API reaches the ingester',
          );
        }
        const claim = await services.replays.claim(params.deliveryId, idempotencyKey);
        if (claim.kind === 'answered') return { status: 200, body: { ingester: claim.body, replayed: true } };
        if (claim.kind === 'in_use') {
          throw new ApiError(
            ApiErrorCode.IdempotencyKeyInUse,
            'a replay with this Idempotency-Key is still being answered',
            {
              idempotencyKey: idempotencyKey.replace(/^api:/, ''),
            },
          );
        }
        let answer: { status: number; body: unknown };
        try {
          answer = await replay(params.deliveryId);
        } catch (error) {
          await services.replays.release(params.deliveryId, idempotencyKey);
          throw new ApiError(
            ApiErrorCode.IngesterUnavailable,
            `the ingester could not be reached: ${String(error)}`,
          );
        }
        if (answer.status !== 200) {
          await services.replays.release(params.deliveryId, idempotencyKey);
          throw new ApiError(
            ApiErrorCode.IngesterUnavailable,
            `the ingester refused the replay (${answer.status})`,
            {
              ingesterStatus: answer.status,
            },
          );
        }
        await services.replays.answer(params.deliveryId, idempotencyKey, answer.body);
        return { status: 200, body: { ingester: answer.body, replayed: false } };
      },
    }),
  ];
}
