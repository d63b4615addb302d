import { type Project, type ProtocolRun, ProtocolRunStatus, type StepRun } from '@tundra/core';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { Attention, AttentionQuery } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleProject } from './access.js';

/** The most items of each kind listed per project. */
const perProject = 100;

export function attentionRoutes(services: ApiServices): AnyRoute[] {
  const { store, now } = services;
  return [
    defineRoute({
      method: 'get',
      path: '/attention',
      tag: 'runs',
      summary:
        'What waits for a person: steps in needs_qa under manual QA, blocked runs, runs waiting for plan approval',
      query: AttentionQuery,
      responses: { 200: { description: 'What waits, newest first', schema: Attention } },
      async handler({ query, principal }) {
        let projects: Project[];
        if (query.project !== undefined)
          projects = [await visibleProject(services, principal, query.project)];
        else if (principal.kind === 'admin') projects = await store.projects.list();
        else projects = [await visibleProject(services, principal, principal.projectId)];
        const needsQa: { step: StepRun; run: ProtocolRun }[] = [];
        const blocked: ProtocolRun[] = [];
        const awaitingApproval: ProtocolRun[] = [];
        const runsIn = async (projectId: string, status: ProtocolRun['status']) => {
          const page = await store.runs.listRunIds(projectId, { status, offset: 0, limit: perProject });
          return (await Promise.all(page.ids.map((id) => store.runs.getRun(id)))).filter(
            (run): run is ProtocolRun => run !== null,
          );
        };
        for (const project of projects) {
          if (project.qaPolicy.kind === 'manual') {
            // Every step in needs_qa up to now, oldest first: the newest `perProject` of them.
            const ids = (await store.runs.stepIdsInStatusSince(project.id, 'needs_qa', now().getTime()))
              .slice(-perProject)
              .reverse();
            for (const id of ids) {
              const step = await store.runs.findStep(id);
              const run = step && (await store.runs.getRun(step.protocolRunId));
              if (step && run && step.status === 'needs_qa') needsQa.push({ step, run });
            }
          }
          blocked.push(...(await runsIn(project.id, ProtocolRunStatus.Blocked)));
          // A planned run waits for a person only where the project asks for plan approval; elsewhere it starts.
          if (project.planApproval === 'required')
            awaitingApproval.push(...(await runsIn(project.id, ProtocolRunStatus.Planned)));
        }
        return { status: 200, body: { needsQa, blocked, awaitingApproval } };
      },
    }),
  ];
}
