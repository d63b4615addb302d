import { createHash } from 'node:crypto';
import { type Project, reportKinds } from '@tundra/core';
import {
  type ReportCache,
  type ReportMetrics,
  ReportRequestError,
  type ReportSchedules,
  type ReportService,
  reportFormats,
} from '@tundra/reports/server';
import { TaigaUnavailableError } from '@tundra/taiga';
import { z } from 'zod';
import { ApiError, ApiErrorCode } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { ErrorBody } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleProject } from './access.js';

/** What the report routes need, built by the server when reports are on. */
export interface ApiReports {
  service: ReportService;
  cache: ReportCache;
  schedules: ReportSchedules;
  metrics: ReportMetrics;
  /** How long an answer is served from the cache (TUNDRA_API_REPORT_CACHE_SECONDS). */
  cacheTtlSeconds: number;
}

const ReportParams = z.object({
  id: z.string().min(1),
  kind: z.enum(reportKinds),
});
const ReportQuery = z.object({
  since: z.string().min(1).optional(),
  until: z.string().min(1).optional(),
  format: z.enum(reportFormats).default('json'),
  chart: z.string().min(1).max(100).optional(),
});
const ScheduleQuery = z.object({ project: z.string().min(1).optional() });
const ScheduleInfo = z.object({
  projectId: z.string(),
  schedule: z.string(),
  report: z.string(),
  cron: z.string(),
  timeZone: z.string(),
  destinations: z.array(z.string()),
  next: z.string().nullable(),
});

/** Taiga errors as the API answers them: a Taiga that cannot be reached is a 502, one that refuses is a 422. */
function reportError(error: unknown, project: Project): unknown {
  if (error instanceof ReportRequestError) return new ApiError(ApiErrorCode.ValidationFailed, error.message);
  if (error instanceof TaigaUnavailableError) {
    return new ApiError(
      ApiErrorCode.TaigaUnavailable,
      `Taiga could not be read for ${project.id}: ${error.message}`,
    );
  }
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('TAIGA_')) {
    return new ApiError(
      ApiErrorCode.TaigaCheckFailed,
      `Taiga refused to give ${project.id}'s data: ${error.message}`,
    );
  }
  return error;
}

/**
 * `GET /projects/{id}/reports/{kind}` (any format, cached for a few minutes) and `GET /reports/schedules`. A project
 * token sees its own project's reports and schedules only, as everywhere in the API.
 */
export function reportRoutes(services: ApiServices, reports: ApiReports): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:id/reports/:kind',
      tag: 'reports',
      summary:
        "A report from the project's Taiga data or Tundra's runs: md and html with charts, csv and json with the raw rows, png with the charts",
      params: ReportParams,
      query: ReportQuery,
      responses: {
        200: {
          description: 'The report, as text/markdown, text/csv, application/json, text/html or image/png',
          contentType: '*/*',
        },
        400: { description: 'A bad period, or png of a report without charts', schema: ErrorBody },
        404: { description: 'No such project (or not yours)', schema: ErrorBody },
        422: { description: "Taiga refused to give the project's data", schema: ErrorBody },
        502: { description: 'Taiga could not be reached', schema: ErrorBody },
      },
      async handler({ params, query, principal, res }) {
        const project = await visibleProject(services, principal, params.id);
        const hash = createHash('sha256')
          .update(
            JSON.stringify([
              params.kind,
              query.format,
              query.since,
              query.until,
              query.chart,
              project.version,
            ]),
          )
          .digest('hex')
          .slice(0, 32);
        const cached = await reports.cache.output(project.id, `${hash}`);
        let body: Buffer;
        let contentType: string;
        if (cached) {
          contentType = cached.subarray(0, cached.indexOf(0x0a)).toString('utf8');
          body = cached.subarray(cached.indexOf(0x0a) + 1);
          res.setHeader('X-Report-Cache', 'hit');
        } else {
          try {
            const report = await reports.service.build(project, params.kind, query);
            ({ body, contentType } = await reports.service.render(report, query.format, {
              chart: query.chart,
            }));
          } catch (error) {
            throw reportError(error, project);
          }
          // One value: the content type on the first line, then the body (binary for png).
          await reports.cache.saveOutput(
            project.id,
            hash,
            Buffer.concat([Buffer.from(`${contentType}\n`), body]),
            reports.cacheTtlSeconds,
          );
          reports.metrics.reports.inc({ kind: params.kind, outcome: 'served' });
          res.setHeader('X-Report-Cache', 'miss');
        }
        res.setHeader('Cache-Control', `private, max-age=${reports.cacheTtlSeconds}`);
        res.status(200).type(contentType).send(body);
        return null;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/reports/schedules',
      tag: 'reports',
      summary: "The projects' report schedules, with when each fires next",
      query: ScheduleQuery,
      responses: {
        200: { description: 'The schedules', schema: z.object({ schedules: z.array(ScheduleInfo) }) },
      },
      async handler({ query, principal }) {
        const projectId =
          principal.kind === 'project' ? (query.project ?? principal.projectId) : query.project;
        const projects = projectId
          ? [await visibleProject(services, principal, projectId)]
          : await services.store.projects.list();
        return { status: 200, body: { schedules: await reports.schedules.list(projects) } };
      },
    }),
  ];
}
