import type { ProtocolRun } from '@tundra/core';
import type { SpendTotals } from '@tundra/core/server';
import { type AnyRoute, defineRoute } from '../http/route.js';
import {
  EventPage,
  ProjectParams,
  RunDetail,
  RunList,
  RunListQuery,
  RunParams,
  StreamPage,
  TailQuery,
} from '../http/schemas.js';
import { resumePoint } from '../http/sse.js';
import type { ApiServices } from '../services.js';
import { visibleProject, visibleRun } from './access.js';

/**
 * The page of a project's runs (of a status, if given) whose Taiga item has this ref, newest first. Runs are indexed
 * by item id, which a ref does not give without asking Taiga, so this reads the runs' records: a few milliseconds
 * per thousand runs.
 */
async function runIdsOfRef(
  services: ApiServices,
  projectId: string,
  query: { status?: ProtocolRun['status']; ref: number; offset: number; limit: number },
): Promise<{ ids: string[]; total: number }> {
  const { store } = services;
  const all = await store.runs.listRunIds(projectId, { status: query.status, offset: 0, limit: 1_000_000 });
  const runs = await Promise.all(all.ids.map((id) => store.runs.getRun(id)));
  const ids = runs.filter((run) => run?.taigaItem.ref === query.ref).map((run) => run!.id);
  return { ids: ids.slice(query.offset, query.offset + query.limit), total: ids.length };
}

/** What the run's engines spent, as the API shows it (the ledger's totals without its per-step split). */
const spendOf = ({ costUsd, tokensIn, tokensOut }: SpendTotals) => ({ costUsd, tokensIn, tokensOut });

const sseResponse = { description: 'Server-Sent Events', contentType: 'text/event-stream' };

export function runRoutes(services: ApiServices): AnyRoute[] {
  const { store } = services;
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:id/runs',
      tag: 'runs',
      summary: "A page of a project's runs, newest first; with status, those in it, latest entered first",
      params: ProjectParams,
      query: RunListQuery,
      responses: { 200: { description: 'The runs', schema: RunList } },
      async handler({ params, query, principal }) {
        const project = await visibleProject(services, principal, params.id);
        const page =
          query.ref === undefined
            ? await store.runs.listRunIds(params.id, query)
            : await runIdsOfRef(services, params.id, { ...query, ref: query.ref });
        const runs = (await Promise.all(page.ids.map((id) => store.runs.getRun(id)))).filter(
          (run): run is ProtocolRun => run !== null,
        );
        const [stepStatuses, spent] = await Promise.all([
          Promise.all(
            runs.map(async (run) => (await store.runs.listSteps(run.id)).map((step) => step.status)),
          ),
          Promise.all(runs.map((run) => services.spend.runTotals(run.id))),
        ]);
        const slug = project.taiga.projectSlug;
        return {
          status: 200,
          body: {
            protocols: runs.map((run, i) => ({
              ...run,
              links: services.links.run(run, slug),
              stepStatuses: stepStatuses[i]!,
              spend: spendOf(spent[i]!),
            })),
            total: page.total,
            offset: query.offset,
            limit: query.limit,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/runs/:runId',
      tag: 'runs',
      summary: 'A run with its steps and the Taiga links',
      params: RunParams,
      responses: { 200: { description: 'The run', schema: RunDetail } },
      async handler({ params, principal }) {
        const run = await visibleRun(services, principal, params.runId);
        const [project, steps, spent] = await Promise.all([
          store.projects.get(run.projectId),
          store.runs.listSteps(run.id),
          services.spend.runTotals(run.id),
        ]);
        const slug = project?.taiga.projectSlug ?? null;
        const stepLinks = await services.links.steps(steps, slug);
        return {
          status: 200,
          body: {
            protocol: { ...run, links: services.links.run(run, slug) },
            steps: steps.map((step, index) => ({ ...step, links: stepLinks[index]! })),
            spend: spendOf(spent),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/runs/:runId/events',
      tag: 'runs',
      summary: "A page of the run's event stream, oldest first, after a stream id",
      params: RunParams,
      query: StreamPage,
      responses: { 200: { description: 'The events', schema: EventPage } },
      async handler({ params, query, principal }) {
        const run = await visibleRun(services, principal, params.runId);
        const events = await store.events.readRun(run.id, { after: query.after, count: query.limit });
        const next = events.length === query.limit ? events.at(-1)!.id : null;
        return { status: 200, body: { events, next } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/runs/:runId/events/stream',
      tag: 'runs',
      summary: "Live tail of the run's events (SSE); resumes after Last-Event-ID",
      params: RunParams,
      query: TailQuery,
      lastEventId: true,
      responses: { 200: sseResponse },
      async handler({ params, query, principal, req, res }) {
        const run = await visibleRun(services, principal, params.runId);
        const after = resumePoint(req, query.after);
        await services.hub.serve(
          res,
          {
            stream: { kind: 'run-events', runId: run.id },
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
