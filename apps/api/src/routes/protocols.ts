import type { ProtocolRun } from '@tundra/core';
import { type AnyRoute, defineRoute } from '../http/route.js';
import {
  EventPage,
  ProjectParams,
  ProtocolDetail,
  ProtocolList,
  ProtocolListQuery,
  ProtocolParams,
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
        const slug = project?.taiga.projectSlug ?? null;
        const stepLinks = await services.links.steps(steps, slug);
        return {
          status: 200,
          body: {
            protocol: { ...run, links: services.links.run(run, slug) },
            steps: steps.map((step, index) => ({ ...step, links: stepLinks[index]! })),
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
  ];
}
