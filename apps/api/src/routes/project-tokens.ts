import { z } from 'zod';
import { ApiError, ApiErrorCode, notFound } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { ErrorBody, ProjectParams } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleProject } from './access.js';

const TokenName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, dashes and underscores, at most 63');
const TokenInfo = z.object({ name: z.string(), createdAt: z.string() });

/** Per-project tokens: made and revoked with the admin token; a project token sees only its own project. */
export function projectTokenRoutes(services: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:id/tokens',
      tag: 'projects',
      summary: "List a project's tokens (names only)",
      params: ProjectParams,
      adminOnly: true,
      responses: { 200: { description: 'The tokens', schema: z.object({ tokens: z.array(TokenInfo) }) } },
      async handler({ params, principal }) {
        await visibleProject(services, principal, params.id);
        return { status: 200, body: { tokens: await services.tokens.list(params.id) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/projects/:id/tokens',
      tag: 'projects',
      summary: 'Create a token that can see and act on this project only; the token is shown once',
      params: ProjectParams,
      body: z.object({ name: TokenName }).strict(),
      adminOnly: true,
      responses: {
        201: { description: 'The new token', schema: TokenInfo.extend({ token: z.string() }) },
        409: { description: 'A token with this name exists', schema: ErrorBody },
      },
      async handler({ params, body, principal }) {
        await visibleProject(services, principal, params.id);
        const created = await services.tokens.create(params.id, body.name);
        if (created.kind === 'name_taken') {
          throw new ApiError(
            ApiErrorCode.AlreadyExists,
            `project ${params.id} has a token named ${body.name}`,
            {
              name: body.name,
            },
          );
        }
        return { status: 201, body: { ...created.info, token: created.token } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/projects/:id/tokens/:name',
      tag: 'projects',
      summary: 'Revoke a project token',
      params: ProjectParams.extend({ name: TokenName }),
      adminOnly: true,
      responses: { 204: { description: 'Revoked' } },
      async handler({ params, principal }) {
        await visibleProject(services, principal, params.id);
        if (!(await services.tokens.revoke(params.id, params.name))) throw notFound('token', params.name);
        return { status: 204 };
      },
    }),
  ];
}
