import { createHash } from 'node:crypto';
import type { Project } from '@tundra/core';
import { runInJobContext } from '@tundra/core/server';
import type { z } from 'zod';
import { actorOf, type Principal } from '../auth/principal.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { type AnyRoute, defineRoute, type Reply } from '../http/route.js';
import { ErrorBody, StartRunAccepted, StartRunBody, StartRunExisting } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { requestFingerprint, type StoredAnswer } from '../store/idempotency-records.js';
import { visibleProject } from './access.js';

interface StartRequest {
  project: Project;
  body: z.infer<typeof StartRunBody>;
  principal: Principal;
  idempotencyKey: string;
}

/** Looks the ref up in Taiga and enqueues the start, unless the item has an active run. */
async function startRun(services: ApiServices, request: StartRequest): Promise<StoredAnswer> {
  const { project, body, principal, idempotencyKey } = request;
  // The run's correlation id, known before the run exists: the Taiga lookup sends it, and every log line has it.
  const digest = createHash('sha256').update(`${project.id}\n${idempotencyKey}`).digest('hex');
  const correlationId = `api-${digest.slice(0, 24)}`;
  const logger = services.logger.child({ correlationId, projectId: project.id });
  let item: Awaited<ReturnType<ApiServices['resolver']['resolve']>>;
  try {
    item = await runInJobContext({ correlationId, logger }, () =>
      services.resolver.resolve(project, body.ref),
    );
  } catch (error) {
    logger.warn({ err: error, ref: body.ref }, 'Taiga lookup failed');
    throw new ApiError(
      ApiErrorCode.TaigaUnavailable,
      `could not look up #${body.ref} in Taiga: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!item) {
    throw new ApiError(
      ApiErrorCode.TaigaItemNotFound,
      `project ${project.id} has no user story or task #${body.ref} in Taiga`,
      { ref: body.ref },
    );
  }
  const taigaItem = { type: item.type, id: item.id, ref: item.ref };
  const active = await services.store.runs.findActiveRun(project.id, taigaItem);
  if (active) return { status: 200, body: { status: 'active', protocol: active, replayed: false } };
  // The idempotency record makes this run once per key; the job id, derived from the key too, is a second guard.
  const jobId = await services.queues.enqueue(
    'run.start',
    {
      projectId: project.id,
      correlationId,
      taigaItem,
      sourceEventId: null,
      requestedBy: { actor: actorOf(principal), reason: body.reason ?? null },
    },
    { jobId: `api-start-${digest.slice(0, 40)}` },
  );
  logger.info({ taigaItem, jobId, reason: body.reason }, 'run start enqueued');
  return {
    status: 202,
    body: { status: 'accepted', jobId, projectId: project.id, taigaItem, replayed: false },
  };
}

/**
 * `POST /runs` once per Idempotency-Key (per project, for 7 days): the first answer (200 or 202) is stored
 * and given again to the same request; the key sent with another request is refused, and so is a second attempt
 * while the first is still being answered. An error answer frees the key, so the request can be sent again.
 */
async function startRunOnce(services: ApiServices, request: StartRequest, rawKey: string): Promise<Reply> {
  const { project, body } = request;
  // The route's old name stays in the fingerprint: stored fingerprints (7 days) must still match a retried request.
  const fingerprint = requestFingerprint(['POST /protocols', project.id, body.ref, body.reason ?? null]);
  const claimed = await services.idempotency.claimStart(project.id, request.idempotencyKey, fingerprint);
  switch (claimed.kind) {
    case 'claimed':
      break;
    case 'answered':
      return { status: claimed.answer.status, body: { ...claimed.answer.body, replayed: true } };
    case 'other_request':
      throw new ApiError(
        ApiErrorCode.IdempotencyKeyReused,
        `Idempotency-Key ${rawKey} was used with another request to start a run in project ${project.id} (a different ref or reason); send a new key for a new request`,
        { idempotencyKey: rawKey },
      );
    case 'in_progress':
      throw new ApiError(
        ApiErrorCode.IdempotencyKeyInUse,
        `a request with Idempotency-Key ${rawKey} is still being answered; send it again in a moment to get its answer`,
        { idempotencyKey: rawKey },
      );
    default: {
      const unhandled: never = claimed;
      throw new Error(`unhandled claim ${JSON.stringify(unhandled)}`);
    }
  }
  const { key } = claimed.claim;
  let answer: StoredAnswer;
  try {
    answer = await startRun(services, request);
  } catch (error) {
    await services.idempotency.release(claimed.claim).catch((releaseError: unknown) => {
      services.logger.warn({ err: releaseError, key }, 'could not free an idempotency key (it expires soon)');
    });
    throw error;
  }
  if (!(await services.idempotency.finish(claimed.claim, answer))) {
    services.logger.warn({ key }, 'the idempotency claim expired before the answer was stored');
  }
  return answer;
}

/** `POST /runs`: start a run for a Taiga item by its ref. */
export function startRunRoutes(services: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/runs',
      tag: 'actions',
      summary: 'Start a run for a Taiga user story or task, by its ref',
      body: StartRunBody,
      idempotent: true,
      responses: {
        202: {
          description: 'The start was enqueued (replayed: the first answer to this request with this key)',
          schema: StartRunAccepted,
        },
        200: {
          description: 'The item already has an active run (replayed: the first answer, as for 202)',
          schema: StartRunExisting,
        },
        404: { description: 'No such project, or no user story or task with this ref', schema: ErrorBody },
        409: {
          description: 'IDEMPOTENCY_KEY_IN_USE: a request with this key is still being answered',
          schema: ErrorBody,
        },
        422: {
          description: 'IDEMPOTENCY_KEY_REUSED: this key was sent with another request',
          schema: ErrorBody,
        },
        502: { description: 'Taiga could not be asked', schema: ErrorBody },
      },
      async handler({ body, principal, idempotencyKey, req }) {
        const project = await visibleProject(services, principal, body.projectId);
        const rawKey = req.get('idempotency-key') ?? idempotencyKey;
        return startRunOnce(services, { project, body, principal, idempotencyKey }, rawKey);
      },
    }),
  ];
}
