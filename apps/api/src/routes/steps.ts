import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { ErrorBody, LogPage, StepParams, StepWithLinks, StreamPage, TailQuery } from '../http/schemas.js';
import { resumePoint } from '../http/sse.js';
import type { ApiServices } from '../services.js';
import { visibleStep } from './access.js';

export function stepRoutes(services: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/steps/:id',
      tag: 'runs',
      summary: 'A step, with the link to its Taiga task',
      params: StepParams,
      responses: { 200: { description: 'The step', schema: z.object({ step: StepWithLinks }) } },
      async handler({ params, principal }) {
        const step = await visibleStep(services, principal, params.id);
        const project = await services.store.projects.get(step.projectId);
        const links = await services.links.step(step, project?.taiga.projectSlug ?? null);
        return { status: 200, body: { step: { ...step, links } } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/steps/:id/logs',
      tag: 'runs',
      summary: "A page of the step's captured engine output, oldest first, after a stream id",
      params: StepParams,
      query: StreamPage,
      responses: {
        200: { description: 'The log lines', schema: LogPage },
        404: { description: 'No such step', schema: ErrorBody },
      },
      async handler({ params, query, principal }) {
        const step = await visibleStep(services, principal, params.id);
        const lines = await services.logs.read(step.protocolRunId, step.id, {
          after: query.after,
          count: query.limit,
        });
        return { status: 200, body: { lines, next: lines.length === query.limit ? lines.at(-1)!.id : null } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/steps/:id/logs/stream',
      tag: 'runs',
      summary: "Live tail of the step's engine output (SSE, event `log`); resumes after Last-Event-ID",
      params: StepParams,
      query: TailQuery,
      lastEventId: true,
      responses: { 200: { description: 'Server-Sent Events', contentType: 'text/event-stream' } },
      async handler({ params, query, principal, req, res }) {
        const step = await visibleStep(services, principal, params.id);
        const after = resumePoint(req, query.after);
        await services.hub.serve(
          res,
          {
            stream: { kind: 'step-log', runId: step.protocolRunId, stepId: step.id },
            read: async (cursor) =>
              (await services.logs.read(step.protocolRunId, step.id, { after: cursor, count: 500 })).map(
                (line) => ({
                  id: line.id,
                  event: 'log',
                  data: line,
                }),
              ),
          },
          after,
        );
        return null;
      },
    }),
  ];
}
