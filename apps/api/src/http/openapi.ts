import { z } from 'zod';
import type { AnyRoute, ResponseSpec } from './route.js';
import { describeDeprecatedAliases } from './route-aliases.js';
import { ErrorBody } from './schemas.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** `/projects/:id` → `/projects/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function objectParameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function headerParameters(route: AnyRoute): JsonSchema[] {
  const headers: JsonSchema[] = [];
  if (route.idempotent) {
    headers.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: true,
      description:
        'Any unique string; the same key sent again replays the first outcome instead of acting twice.',
      schema: { type: 'string', minLength: 1, maxLength: 200 },
    });
  }
  if (route.ifMatch) {
    headers.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The project version the change is based on (its ETag); 412 when it moved on.',
      schema: { type: 'string' },
    });
  }
  if (route.lastEventId) {
    headers.push({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description:
        'Resume after this stream id (EventSource sends it on reconnect); `?after=` does the same.',
      schema: { type: 'string' },
    });
  }
  return headers;
}

function response(spec: ResponseSpec): JsonSchema {
  if (!spec.schema && !spec.contentType) return { description: spec.description };
  return {
    description: spec.description,
    content: {
      [spec.contentType ?? 'application/json']: spec.schema
        ? { schema: toSchema(spec.schema, 'output') }
        : {},
    },
  };
}

const errorResponse = (description: string) => response({ description, schema: ErrorBody });

/** The OpenAPI 3.1 document of the API, generated from the same route specs and zod schemas the router uses. */
export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = `/api/v1${openApiPath(route.path)}`;
    const responses: Record<string, JsonSchema> = {};
    for (const [status, spec] of Object.entries(route.responses)) responses[status] = response(spec);
    const validates = route.params || route.query || route.body || route.idempotent;
    if (validates && !responses['400'])
      responses['400'] = errorResponse('Invalid request (VALIDATION_FAILED)');
    responses['401'] ??= errorResponse('Missing or wrong token (UNAUTHORIZED)');
    if (route.adminOnly) responses['403'] ??= errorResponse('A project token may not call this (FORBIDDEN)');
    if (route.body) {
      responses['413'] ??= errorResponse('The body is over 1 MiB (PAYLOAD_TOO_LARGE)');
      responses['415'] ??= errorResponse('The body is not application/json (UNSUPPORTED_MEDIA_TYPE)');
    }
    if (route.params)
      responses['404'] ??= errorResponse('Not found, or not visible to this token (NOT_FOUND)');
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/[/_-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      tags: [route.tag],
      parameters: [
        ...objectParameters(route.params, 'path'),
        ...objectParameters(route.query, 'query'),
        ...headerParameters(route),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tundra operator API',
      version,
      description:
        'Configure projects, look inside runs and intervene. Errors are `{error: {code, message, details}}`. ' +
        `Deprecated aliases, answered with a \`Deprecation\` header: ${describeDeprecatedAliases('/api/v1')}.`,
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { projectToken: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'TUNDRA_API_TOKEN: sees and does everything.',
        },
        projectToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Project-Token',
          description: 'A token made with POST /projects/{id}/tokens: sees and acts on that project only.',
        },
      },
    },
    paths,
  };
}
