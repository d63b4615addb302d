import { isDeepStrictEqual } from 'node:util';
import { type Project, ProjectSpec } from '@tundra/core';
import type { Request } from 'express';
import { z } from 'zod';
import { type Principal, principalName } from '../auth/principal.js';
import { fieldsDenied, projectView } from '../auth/project-fields.js';
import { ApiError, ApiErrorCode, notFound } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import {
  ErrorBody,
  ProjectBody,
  ProjectInput,
  ProjectParams,
  ProjectPatch,
  type TaigaProjectInput,
} from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleProject } from './access.js';
import { checkAgainstTaiga } from './taiga-check.js';

/** The spec part of a stored project (what an operator wrote), without the bookkeeping. */
function specOf(project: Project): ProjectSpec {
  const { version: _v, createdAt: _c, updatedAt: _u, ...spec } = project;
  return spec;
}

/** The version an `If-Match` header names (`3`, `"3"` or `W/"3"`), or null without one. */
function ifMatchVersion(req: Request): number | null {
  const header = req.get('if-match');
  if (header === undefined) return null;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!match) {
    throw new ApiError(
      ApiErrorCode.ValidationFailed,
      `invalid request: If-Match: '${header}' is not a version`,
      {
        issues: [{ location: 'headers', path: 'if-match', message: 'the project version, e.g. "3"' }],
      },
    );
  }
  return Number(match[1]);
}

function stale(expected: number, current: number): ApiError {
  return new ApiError(
    ApiErrorCode.PreconditionFailed,
    `the project is at version ${current}, not ${expected}: read it again and reapply your change`,
    { expectedVersion: expected, currentVersion: current },
  );
}

const etag = (project: Project) => ({ ETag: `"${project.version}"` });

/** 403 for a change that touches fields the principal may not change; the fields are named. */
function checkFieldAccess(principal: Principal, fields: readonly string[]): void {
  const denied = fieldsDenied(principal, fields);
  if (denied.length === 0) return;
  throw new ApiError(
    ApiErrorCode.Forbidden,
    `a project token may not change ${denied.join(', ')}: settings that run code, name secrets or ` +
      'environment variables, or set shared limits need the admin token (see docs/api.md)',
    { fields: denied },
  );
}

/** The stored Taiga settings when the input names the same project; null when Taiga must be asked. */
function knownTaiga(input: TaigaProjectInput, stored: ProjectSpec['taiga']): ProjectSpec['taiga'] | null {
  const sameId = input.projectId === undefined || input.projectId === stored.projectId;
  const sameSlug = input.projectSlug === undefined || input.projectSlug === stored.projectSlug;
  return sameId && sameSlug ? { ...stored, webhookSecretRef: input.webhookSecretRef } : null;
}

const projectResponses = { description: 'The project', schema: ProjectBody };

export function projectRoutes(services: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/projects',
      tag: 'projects',
      summary: 'List the projects the token can see',
      responses: {
        200: {
          description: 'The projects',
          schema: z.object({ projects: z.array(ProjectBody.shape.project) }),
        },
      },
      async handler({ principal }) {
        const projects =
          principal.kind === 'admin'
            ? await services.store.projects.list()
            : [await services.store.projects.get(principal.projectId)].filter(
                (p): p is Project => p !== null,
              );
        return { status: 200, body: { projects: projects.map((p) => projectView(p, principal)) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/projects',
      tag: 'projects',
      summary: 'Register a project (checked against Taiga first)',
      body: ProjectInput,
      adminOnly: true,
      responses: {
        201: projectResponses,
        409: { description: 'A project with this id exists', schema: ErrorBody },
        422: {
          description: 'The settings do not match Taiga; details.problems says what is wrong',
          schema: ErrorBody,
        },
        502: { description: 'Taiga could not be asked', schema: ErrorBody },
      },
      async handler({ body, principal }) {
        const exists = () =>
          new ApiError(
            ApiErrorCode.AlreadyExists,
            `project ${body.id} exists: change it with PATCH /projects/${body.id}`,
            {
              id: body.id,
            },
          );
        if (await services.store.projects.get(body.id)) throw exists();
        const taiga = await checkAgainstTaiga(services, body);
        const spec = ProjectSpec.parse({
          ...body,
          taiga: { ...taiga, webhookSecretRef: body.taiga.webhookSecretRef },
        });
        const saved = await services.store.projects.put(spec, 0);
        if (saved.kind === 'conflict') throw exists();
        services.logger.info({ projectId: spec.id, by: principalName(principal) }, 'project registered');
        return {
          status: 201,
          body: { project: saved.project },
          headers: { ...etag(saved.project), Location: `/api/v1/projects/${spec.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/projects/:id',
      tag: 'projects',
      summary: 'Show a project',
      params: ProjectParams,
      responses: { 200: projectResponses },
      async handler({ params, principal }) {
        const project = await visibleProject(services, principal, params.id);
        return { status: 200, body: { project: projectView(project, principal) }, headers: etag(project) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/projects/:id',
      tag: 'projects',
      summary:
        'Change a project: each top-level field given replaces the stored one; unchanged settings write nothing',
      params: ProjectParams,
      body: ProjectPatch,
      ifMatch: true,
      responses: {
        200: {
          description: 'The project, and whether anything changed',
          schema: ProjectBody.extend({ changed: z.boolean() }),
        },
        412: { description: 'If-Match names another version', schema: ErrorBody },
        422: { description: 'The settings do not match Taiga', schema: ErrorBody },
      },
      async handler({ params, body, principal, req }) {
        const existing = await visibleProject(services, principal, params.id);
        checkFieldAccess(principal, Object.keys(body));
        const expected = ifMatchVersion(req);
        if (expected !== null && expected !== existing.version) throw stale(expected, existing.version);
        const stored = specOf(existing);
        const { taiga: taigaInput, ...rest } = body;
        const taiga = taigaInput ? knownTaiga(taigaInput, stored.taiga) : stored.taiga;
        const candidate = { ...stored, ...rest, taiga: taiga ?? stored.taiga };
        if (taiga && isDeepStrictEqual(candidate, stored)) {
          return {
            status: 200,
            body: { project: projectView(existing, principal), changed: false },
            headers: etag(existing),
          };
        }
        const needsCheck =
          taiga === null ||
          !isDeepStrictEqual(candidate.trigger, stored.trigger) ||
          !isDeepStrictEqual(candidate.statusMapping, stored.statusMapping);
        if (needsCheck) {
          const checked = await checkAgainstTaiga(services, {
            ...candidate,
            taiga: taigaInput && taiga === null ? taigaInput : candidate.taiga,
          });
          candidate.taiga = { ...candidate.taiga, ...checked };
        }
        const saved = await services.store.projects.put(
          ProjectSpec.parse(candidate),
          expected ?? existing.version,
        );
        if (saved.kind === 'conflict') throw stale(expected ?? existing.version, saved.currentVersion);
        services.logger.info(
          {
            projectId: params.id,
            version: saved.project.version,
            fields: Object.keys(body),
            by: principalName(principal),
          },
          'project changed',
        );
        return {
          status: 200,
          body: { project: projectView(saved.project, principal), changed: true },
          headers: etag(saved.project),
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/projects/:id',
      tag: 'projects',
      summary: 'Delete a project (refused while it has active runs; its runs stay readable)',
      params: ProjectParams,
      ifMatch: true,
      adminOnly: true,
      responses: {
        204: { description: 'Deleted' },
        409: { description: 'The project has active runs', schema: ErrorBody },
        412: { description: 'If-Match names another version', schema: ErrorBody },
      },
      async handler({ params, principal, req }) {
        const outcome = await services.apiStore.deleteProject(params.id, ifMatchVersion(req));
        switch (outcome.kind) {
          case 'deleted':
            services.logger.info({ projectId: params.id, by: principalName(principal) }, 'project deleted');
            return { status: 204 };
          case 'not_found':
            throw notFound('project', params.id);
          case 'conflict':
            throw stale(ifMatchVersion(req) ?? 0, outcome.currentVersion);
          case 'busy':
            throw new ApiError(
              ApiErrorCode.ProjectBusy,
              `project ${params.id} has ${outcome.activeRuns} active run(s): cancel them first`,
              { activeRuns: outcome.activeRuns },
            );
          default: {
            const unhandled: never = outcome;
            throw new Error(`unhandled outcome ${JSON.stringify(unhandled)}`);
          }
        }
      },
    }),
  ];
}
