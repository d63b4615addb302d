import { formatZodIssues } from '@tundra/core';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { ApiError, ApiErrorCode } from '../errors.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler answers: a status, a JSON body and extra headers. `null` means it wrote the response itself. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  /** The `Idempotency-Key` header, scoped for the store (`api:<key>`); set when the route requires one. */
  idempotencyKey: string;
  req: Request;
  res: Response;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

/**
 * One endpoint, described once: the router registers and validates from it, and the OpenAPI document is generated
 * from it, so the two cannot drift apart.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express path under `/api/v1`, e.g. `/projects/:id`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Requires an `Idempotency-Key` header (400 without one). */
  idempotent?: boolean;
  /** Documents the `If-Match` header (the route reads it itself). */
  ifMatch?: boolean;
  /** Documents the `Last-Event-ID` header of SSE routes. */
  lastEventId?: boolean;
  /** Only the admin token may call it; a project token gets 403 (or 404 for another project's resource). */
  adminOnly?: boolean;
  responses: Record<number, ResponseSpec>;
  handler(ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<Reply | null>;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of routes holds every parameter shape
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with its handler's context typed from its schemas. */
export function defineRoute<
  P extends z.ZodType = z.ZodObject<Record<string, never>>,
  Q extends z.ZodType = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, location: string): z.infer<S> {
  if (!schema) return value as z.infer<S>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = formatZodIssues(result.error).map((issue) => `${location}.${issue}`);
  throw new ApiError(ApiErrorCode.ValidationFailed, `invalid request: ${issues.join('; ')}`, {
    issues: result.error.issues.map((issue) => ({
      location,
      path: issue.path.join('.'),
      message: issue.message,
    })),
  });
}

/** An `Idempotency-Key`: printable, short enough to sit in a Redis key and a job id. */
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 printable ASCII characters');

function idempotencyKeyOf(req: Request): string {
  const key = req.get('idempotency-key');
  if (key === undefined) {
    throw new ApiError(
      ApiErrorCode.IdempotencyKeyRequired,
      'this action needs an Idempotency-Key header (any unique string; send the same one to retry safely)',
    );
  }
  parse(IdempotencyKey, key, 'headers.idempotency-key');
  return `api:${key}`;
}

/** Registers routes on an express router: validation, then the handler, then the reply. */
export function registerRoutes(router: Router, routes: readonly AnyRoute[]): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const principal = principalOf(res);
      if (route.adminOnly && principal.kind !== 'admin') {
        const projectId = typeof req.params.id === 'string' ? req.params.id : undefined;
        // Another project's resource is not found; an admin-only action on one's own project is forbidden.
        if (projectId !== undefined && projectId !== principal.projectId) {
          throw new ApiError(ApiErrorCode.NotFound, `project ${projectId} does not exist`, {
            entity: 'project',
            id: projectId,
          });
        }
        throw new ApiError(ApiErrorCode.Forbidden, 'this endpoint needs the admin token');
      }
      const context = {
        params: parse(route.params, req.params, 'params'),
        query: parse(route.query, req.query, 'query'),
        body: parse(route.body, req.body, 'body'),
        principal,
        idempotencyKey: route.idempotent ? idempotencyKeyOf(req) : '',
        req,
        res,
      };
      const reply = await route.handler(context);
      if (reply === null) return;
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    });
  }
}
