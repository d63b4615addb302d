import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRunningRun, repoRoot } from '@tundra/testkit';
import type { ScenarioReport } from '../support/report.js';
import { secrets, startSystem } from '../support/system.js';
import type { ScenarioOptions } from './scenario.js';

interface Route {
  method: string;
  /** OpenAPI template, e.g. `/runs/{runId}/events`. */
  path: string;
  adminOnly: boolean;
  idempotent: boolean;
  /** Path parameters that take one of a list of values (a report's kind): the first of them. */
  choices: Record<string, string>;
}

/** The ids each route template's parameters take: one project's own objects, or another project's. */
interface Objects {
  project: string;
  run: string;
  step: string;
  token: string;
}

/**
 * The auth matrix over every route of the API's OpenAPI document: no token or a wrong one is 401 (live tails
 * included), a project token on another project's objects is 404 and on an admin route 403. Tokens are compared in
 * constant time: checked by reading the code, and by `apps/api/src/auth/token-hash.test.ts`.
 */
export async function auth(report: ScenarioReport, _options: ScenarioOptions): Promise<void> {
  const system = await startSystem();
  try {
    const api = system.apps.api.url;
    const admin = { authorization: `Bearer ${secrets.apiToken}` };
    const objects = async (project: string): Promise<Objects> => {
      await system.addProject(project);
      const { run, steps } = await createRunningRun(system.store, project, { steps: 1 });
      return { project, run: run.id, step: steps[0]!.id, token: 'ops' };
    };
    const own = await objects('alpha');
    const other = await objects('beta');
    const issued = await fetch(`${api}/api/v1/projects/alpha/tokens`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: own.token }),
    });
    const projectToken = ((await issued.json()) as { token: string }).token;
    const routes = await listRoutes(api, admin);
    report.figure('API routes in the OpenAPI document', String(routes.length));

    const anonymous = await matrix(routes, other, api, {}, 401);
    report.check('every API route without a token gets 401', anonymous.wrong.length === 0, anonymous.summary);
    const wrongBearer = await matrix(
      routes,
      other,
      api,
      { authorization: 'Bearer not-the-token-0123456789' },
      401,
    );
    report.check(
      'every API route with a wrong bearer token gets 401',
      wrongBearer.wrong.length === 0,
      wrongBearer.summary,
    );
    const forged = await matrix(
      routes,
      other,
      api,
      { 'x-project-token': `tpt.alpha.${'A'.repeat(43)}` },
      401,
    );
    report.check(
      'every API route with a wrong project token gets 401',
      forged.wrong.length === 0,
      forged.summary,
    );
    const live = routes.filter((route) => route.path.endsWith('/stream'));
    const liveAnonymous = await matrix(live, other, api, {}, 401);
    report.check(
      'the live tails (SSE) require auth',
      live.length > 0 && liveAnonymous.wrong.length === 0,
      `${live.length} SSE routes: ${liveAnonymous.summary}`,
    );

    const scoped = { 'x-project-token': projectToken };
    const foreign = routes.filter((route) => !route.adminOnly && route.path.includes('{id}'));
    const elsewhere = await matrix(foreign, other, api, scoped, 404);
    // The control: the same requests with the admin token find every object (so a 404 above is the token's doing).
    const control = await matrix(foreign, other, api, admin, 404);
    report.check(
      'a project token on another project’s objects gets 404',
      foreign.length > 0 && elsewhere.wrong.length === 0 && control.wrong.length === foreign.length,
      `${elsewhere.summary}; with the admin token none is 404`,
    );
    const startElsewhere = await send(
      api,
      { method: 'post', path: '/runs', adminOnly: false, idempotent: true, choices: {} },
      other,
      scoped,
      { projectId: 'beta', ref: 1 },
    );
    report.check(
      'a project token cannot start a run in another project (404)',
      startElsewhere.status === 404,
      `POST /runs for beta: ${startElsewhere.status}`,
    );
    const adminRoutes = routes.filter((route) => route.adminOnly);
    const forbidden = await matrix(adminRoutes, own, api, scoped, 403);
    report.check(
      'a project token on an admin route gets 403',
      adminRoutes.length > 0 && forbidden.wrong.length === 0,
      forbidden.summary,
    );

    // The console's session cookie, signed in with the same project token, is held to the same rules: another
    // project's objects are 404 and admin routes 403 (changes carry the session's CSRF token, as the console sends
    // it), and a forged cookie is 401.
    const session = await consoleSession(api, projectToken);
    const cookieElsewhere = await matrix(foreign, other, api, session, 404);
    report.check(
      'a project token’s console session on another project’s objects gets 404',
      foreign.length > 0 && cookieElsewhere.wrong.length === 0,
      cookieElsewhere.summary,
    );
    const cookieForbidden = await matrix(adminRoutes, own, api, session, 403);
    report.check(
      'a project token’s console session on an admin route gets 403',
      adminRoutes.length > 0 && cookieForbidden.wrong.length === 0,
      cookieForbidden.summary,
    );
    const forgedCookie = await matrix(routes, other, api, { cookie: `${session.cookie}x` }, 401);
    report.check(
      'every API route with a forged console cookie gets 401',
      forgedCookie.wrong.length === 0,
      forgedCookie.summary,
    );

    const hashing = readFileSync(resolve(repoRoot, 'apps/api/src/auth/token-hash.ts'), 'utf8');
    const authenticate = readFileSync(resolve(repoRoot, 'apps/api/src/auth/authenticate.ts'), 'utf8');
    const constantTime =
      /timingSafeEqual\(a, b\)/.test(hashing) &&
      /createHash\('sha256'\)\.update\(given/.test(hashing) &&
      /tokensEqual\(match\[1\]!, options\.adminToken\)/.test(authenticate) &&
      !/adminToken\s*[!=]==/.test(authenticate);
    report.check(
      'tokens are compared in constant time (code inspection; unit test token-hash.test.ts)',
      constantTime,
      'admin token: timingSafeEqual over SHA-256 digests; project tokens: looked up by their SHA-256',
    );
  } finally {
    await system.stop();
  }
}

/** Signs in to the console with a token, as its form does: the cookie and the session's CSRF token, as headers. */
async function consoleSession(
  api: string,
  token: string,
): Promise<Record<string, string> & { cookie: string }> {
  const signIn = await fetch(`${api}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api },
    body: new URLSearchParams({ token }),
  });
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
  if (signIn.status !== 303 || !cookie) throw new Error(`console sign-in answered ${signIn.status}`);
  const session = (await (await fetch(`${api}/console/session`, { headers: { cookie } })).json()) as {
    csrfToken: string;
  };
  return { cookie, 'x-csrf-token': session.csrfToken };
}

async function listRoutes(api: string, admin: Record<string, string>): Promise<Route[]> {
  const document = (await (await fetch(`${api}/api/v1/openapi.json`, { headers: admin })).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          responses: Record<string, unknown>;
          parameters?: { name: string; in: string; schema?: { enum?: string[] } }[];
        }
      >
    >;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method,
      path: path.replace(/^\/api\/v1/, ''),
      adminOnly: '403' in operation.responses,
      idempotent: (operation.parameters ?? []).some((parameter) => parameter.name === 'Idempotency-Key'),
      choices: Object.fromEntries(
        (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'path' && parameter.schema?.enum?.[0] !== undefined)
          .map((parameter) => [parameter.name, parameter.schema!.enum![0]!]),
      ),
    })),
  );
}

function fill(route: Route, objects: Objects): string {
  const { path } = route;
  const id = path.startsWith('/projects')
    ? objects.project
    : path.startsWith('/runs')
      ? objects.run
      : objects.step;
  return path
    .replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => route.choices[name] ?? whole)
    .replace('{id}', encodeURIComponent(id))
    .replace('{name}', objects.token)
    .replace('{action}', path.startsWith('/runs') ? 'cancel' : 'approve');
}

async function send(
  api: string,
  route: Route,
  objects: Objects,
  headers: Record<string, string>,
  body: unknown = {},
): Promise<{ status: number; json: boolean }> {
  const hasBody = route.method !== 'get' && route.method !== 'delete';
  const response = await fetch(`${api}/api/v1${fill(route, objects)}`, {
    method: route.method.toUpperCase(),
    headers: {
      ...headers,
      ...(route.idempotent ? { 'idempotency-key': `auth-${Math.random()}` } : {}),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(hasBody ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(5_000),
  });
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A live tail that was let in: it never ends by itself.
    await response.body?.cancel();
    return { status: response.status, json: false };
  }
  const text = await response.text();
  let json = false;
  try {
    json = typeof (JSON.parse(text) as { error?: unknown }).error === 'object';
  } catch {
    json = false;
  }
  return { status: response.status, json };
}

/** Sends each route with the headers; every answer must be `expected` with a JSON error body. */
async function matrix(
  routes: readonly Route[],
  objects: Objects,
  api: string,
  headers: Record<string, string>,
  expected: number,
): Promise<{ wrong: string[]; summary: string }> {
  const wrong: string[] = [];
  for (const route of routes) {
    const { status, json } = await send(api, route, objects, headers);
    if (status !== expected || !json)
      wrong.push(
        `${route.method.toUpperCase()} ${route.path}: ${status}${json ? '' : ' (not a JSON error)'}`,
      );
  }
  return {
    wrong,
    summary:
      wrong.length === 0
        ? `${routes.length}/${routes.length} routes ${expected}`
        : `${routes.length - wrong.length}/${routes.length}; ${wrong.join('; ')}`,
  };
}
