import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../src/http/openapi.js';
import { type ApiHarness, adminToken, startHarness } from './harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD path` the express app would answer, found by walking its router (not the route list). */
function routerEndpoints(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`);
    }
    return layer.handle?.stack ? routerEndpoints(layer.handle.stack) : [];
  });
}

describe('GET /api/v1/openapi.json', () => {
  it('documents every route of the router, and nothing else', async () => {
    const served = await h.request('GET', '/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body.openapi).toBe('3.1.0');
    const documented = Object.entries(served.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const ops = new Set(['/health', '/ready', '/metrics']);
    const routed = routerEndpoints((h.api.app as unknown as { router: { stack: Layer[] } }).router.stack)
      .filter((endpoint) => !ops.has(endpoint.split(' ')[1]!))
      .map((endpoint) => {
        const [method, path] = endpoint.split(' ');
        return `${method} /api/v1${openApiPath(path!)}`;
      });
    expect(routed.length).toBeGreaterThan(15);
    expect(documented.sort()).toEqual(routed.sort());
  });

  it('lists the canonical /runs routes and names the deprecated /protocols aliases once', async () => {
    const { body } = await h.request('GET', '/openapi.json');
    const paths = Object.keys(body.paths as Record<string, unknown>);
    expect(paths).toContain('/api/v1/runs/{runId}');
    expect(paths.filter((path) => path.includes('/protocols'))).toEqual([]);
    expect(body.info.description).toContain('`/api/v1/protocols…` is a deprecated alias of `/api/v1/runs…`');
  });

  it('describes parameters, bodies and errors from the zod schemas', async () => {
    const doc = (await h.request('GET', '/openapi.json')).body;
    const action = doc.paths['/api/v1/runs/{runId}/actions/{action}'].post;
    expect(action.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'action',
          in: 'path',
          schema: expect.objectContaining({ enum: ['pause', 'resume', 'replan', 'cancel', 'start'] }),
        }),
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
      ]),
    );
    expect(Object.keys(action.responses).sort()).toEqual(['200', '400', '401', '404', '409', '413', '415']);
    const register = doc.paths['/api/v1/projects'].post;
    const body = register.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(
      expect.arrayContaining(['id', 'name', 'taiga', 'repository', 'execEngine']),
    );
    expect(body.required).not.toContain('limits');
    expect(register.responses['422'].content['application/json'].schema.properties.error).toBeDefined();
    const list = doc.paths['/api/v1/projects/{id}/runs'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'offset',
      'limit',
      'status',
      'ref',
    ]);
  });

  it('needs a token like every endpoint but health', async () => {
    expect((await h.request('GET', '/openapi.json', { token: null })).status).toBe(401);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    const unknown = await h.request('GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const broken = await fetch(`${h.url}/api/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{"id": ',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('INVALID_JSON');
  });
});
