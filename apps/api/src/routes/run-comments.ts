import { commentFor, type RunEvent } from '@tundra/core';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { RunComments, RunParams } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleRun } from './access.js';

/** Stream ids compare as (ms, seq) pairs. */
function notAfter(id: string, cursor: string): boolean {
  const [ms, seq] = id.split('-').map(Number) as [number, number];
  const [cms, cseq] = cursor.split('-').map(Number) as [number, number];
  return ms < cms || (ms === cms && seq <= cseq);
}

const pageSize = 1_000;

export function runCommentRoutes(services: ApiServices): AnyRoute[] {
  const { store } = services;
  return [
    defineRoute({
      method: 'get',
      path: '/runs/:runId/comments',
      tag: 'runs',
      summary:
        "The Taiga comments of the run's events, oldest first, and whether the write-back has posted each yet",
      params: RunParams,
      responses: { 200: { description: 'The comments', schema: RunComments } },
      async handler({ params, principal }) {
        const run = await visibleRun(services, principal, params.runId);
        // The write-back's cursor first: an event it reflected is then surely among the events read after it.
        const cursor = await store.writeBack.cursor(run.id);
        const events: RunEvent[] = [];
        for (;;) {
          const page = await store.events.readRun(run.id, { after: events.at(-1)?.id, count: pageSize });
          events.push(...page);
          if (page.length < pageSize) break;
        }
        const steps = await store.runs.listSteps(run.id);
        const comments = events.flatMap((event) => {
          const comment = commentFor(event, run, steps);
          return comment
            ? [{ eventId: event.id, ...comment, posted: cursor !== null && notAfter(event.id, cursor) }]
            : [];
        });
        return { status: 200, body: { comments } };
      },
    }),
  ];
}
