import { createHash } from 'node:crypto';
import type { ProtocolRun } from '@tundra/core';
import { actorOf } from '../auth/principal.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import {
  ErrorBody,
  EventPage,
  ProjectParams,
  ProtocolDetail,
  ProtocolList,
  ProtocolListQuery,
  ProtocolParams,
  StartRunAccepted,
  StartRunBody,
  StartRunExisting,
  StreamPage,
} from '../http/schemas.js';
import { resumePoint } from '../http/sse.js';
import type { ApiServices } from '../services.js';
import { visibleProject, visibleRun } from './access.js';

const sseResponse = { description: 'Server-Sent Events', contentType: 'text/event-stream' };

export function protocolRoutes(services: ApiServices): AnyRoute[] {
  const { store } = services;
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:id/protocols',
      tag: 'runs',
      summary: "A page of a project's runs, newest first; with status, those in it, latest entered first",
      params: ProjectParams,
      query: ProtocolListQuery,
      responses: { 200: { description: 'The runs', schema: ProtocolList } },
      async handler({ params, query, principal }) {
        await visibleProject(services, principal, params.id);
        const page = await store.runs.listRunIds(params.id, query);
        const runs = await Promise.all(page.ids.map((id) => store.runs.getRun(id)));
        return {
          status: 200,
          body: {
            protocols: runs.filter((run): run is ProtocolRun => run !== null),
            total: page.total,
            offset: query.offset,
            limit: query.limit,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/protocols/:id',
      tag: 'runs',
      summary: 'A run with its steps and the Taiga links',
      params: ProtocolParams,
      responses: { 200: { description: 'The run', schema: ProtocolDetail } },
      async handler({ params, principal }) {
        const run = await visibleRun(services, principal, params.id);
        const [project, steps] = await Promise.all([
          store.projects.get(run.projectId),
          store.runs.listSteps(run.id),
        ]);
        return {
          status: 200,
          body: {
            protocol: { ...run, links: services.links.run(run, project?.taiga.projectSlug ?? null) },
            steps: steps.map((step) => ({ ...step, links: services.links.step(step) })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/protocols/:id/events',
      tag: 'runs',
      summary: "A page of the run's event stream, oldest first, after a stream id",
      params: ProtocolParams,
      query: StreamPage,
      responses: { 200: { description: 'The events', schema: EventPage } },
      async handler({ params, query, principal }) {
        const run = await visibleRun(services, principal, params.id);
        const events = await store.events.readRun(run.id, { after: query.after, count: query.limit });
        const next = events.length === query.limit ? events.at(-1)!.id : null;
        return { status: 200, body: { events, next } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/protocols/:id/events/stream',
      tag: 'runs',
      summary: "Live tail of the run's events (SSE); resumes after Last-Event-ID",
      params: ProtocolParams,
      lastEventId: true,
      responses: { 200: sseResponse },
      async handler({ params, principal, req, res }) {
        const run = await visibleRun(services, principal, params.id);
        const after = resumePoint(req);
        await services.hub.serve(
          res,
          {
            key: store.keys.runEvents(run.id),
            read: async (cursor) =>
              (await store.events.readRun(run.id, { after: cursor, count: 100 })).map((event) => ({
                id: event.id,
                event: event.type,
                data: event,
              })),
          },
          after,
        );
        return null;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/protocols',
      tag: 'actions',
      summary: 'Start a run for a Taiga user story or task, by its ref',
      body: StartRunBody,
      idempotent: true,
      responses: {
        202: { description: 'The start was enqueued', schema: StartRunAccepted },
        200: { description: 'The item already has an active run', schema: StartRunExisting },
        404: { description: 'No such project, or no user story or task with this ref', schema: ErrorBody },
        502: { description: 'Taiga could not be asked', schema: ErrorBody },
      },
      async handler({ body, principal, idempotencyKey }) {
        const project = await visibleProject(services, principal, body.projectId);
        let item: Awaited<ReturnType<ApiServices['resolver']['resolve']>>;
        try {
          item = await services.resolver.resolve(project, body.ref);
        } catch (error) {
          services.logger.warn({ err: error, projectId: project.id, ref: body.ref }, 'Taiga lookup failed');
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
        const active = await store.runs.findActiveRun(project.id, taigaItem);
        if (active) return { status: 200, body: { status: 'active', protocol: active } };
        // The job id comes from the idempotency key, so a retried request enqueues the start once.
        const digest = createHash('sha256').update(`${project.id}\n${idempotencyKey}`).digest('hex');
        const jobId = await services.queues.enqueue(
          'run.start',
          {
            projectId: project.id,
            correlationId: `api-${digest.slice(0, 24)}`,
            taigaItem,
            sourceEventId: null,
            requestedBy: { actor: actorOf(principal), reason: body.reason ?? null },
          },
          { jobId: `api-start-${digest.slice(0, 40)}` },
        );
        services.logger.info(
          { projectId: project.id, taigaItem, jobId, reason: body.reason },
          'run start enqueued',
        );
        return { status: 202, body: { status: 'accepted', jobId, projectId: project.id, taigaItem } };
      },
    }),
  ];
}
