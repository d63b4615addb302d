import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { ProtocolRunStatus, QueueName, StepRunStatus } from '@tundra/core';
import type { JobQueues } from '@tundra/core/server';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import { allowedProtocolActions, allowedStepActions } from '../actions/action-map.js';
import { hashToken, projectOfToken, tokensEqual } from '../auth/token-hash.js';
import type { ProjectTokens } from '../store/project-tokens.js';
import { shellPage, signInPage } from './pages.js';
import {
  type ConsoleSessions,
  cookieValue,
  type SessionPayload,
  sessionCookie,
  sessionCookieName,
  sessionLifetimeSeconds,
} from './session.js';

/** The page scripts and the stylesheet: served by the API itself, never from a CDN. */
const assetsDir = join(dirname(fileURLToPath(import.meta.url)), '../../console/assets');

export interface ConsoleDeps {
  adminToken: string;
  sessions: ConsoleSessions;
  projectTokens: ProjectTokens;
  queues: JobQueues;
  registry: Registry;
  /** Taiga's web front, for links to the projects' boards; null when unknown. */
  taigaWebUrl: string | null;
  now: () => Date;
}

// Pages load scripts and styles from the API only, and may not be framed (clickjacking of the action buttons).
const pageHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * bull-board's page asks Google for its fonts and styles itself inline: this policy lets the inline styles through
 * and refuses everything not served by the API, so no request leaves for a CDN (it falls back to system fonts).
 */
const queuesPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";

const runStatuses = Object.values(ProtocolRunStatus);

/**
 * What the action routes accept in each state, from the same machine tables they check: the pages offer exactly
 * these buttons (the API still decides, and its refusal is shown as it is when the run moved on meanwhile).
 */
const actionTable = {
  run: Object.fromEntries(runStatuses.map((status) => [status, allowedProtocolActions(status)])),
  step: Object.fromEntries(
    Object.values(StepRunStatus).map((status) => [
      status,
      Object.fromEntries(runStatuses.map((runStatus) => [runStatus, allowedStepActions(status, runStatus)])),
    ]),
  ),
};

function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set(pageHeaders).type('html').send(html);
}

/**
 * A browser's change request must come from the console's own pages: with an `Origin` (or `Sec-Fetch-Site`) it
 * must be this host's. SameSite=Strict already keeps the cookie off other sites' requests; this refuses a forged
 * sign-in (login CSRF) and bull-board's own buttons from elsewhere.
 */
function sameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

/**
 * `/console`: the sign-in form, the session endpoints, the page shell and its assets, and bull-board at
 * `/console/queues` for the admin. Every piece of data the pages show comes from `/api/v1`, with the session cookie.
 */
export function consoleApp(deps: ConsoleDeps): Express {
  const signIns = new Counter({
    name: 'tundra_console_sign_ins_total',
    help: 'Console sign-in attempts, by outcome (admin, project, refused)',
    labelNames: ['outcome'] as const,
    registers: [deps.registry],
  });
  // An app of its own (not a Router): its pages are no part of /api/v1 and stay out of its route walk.
  const router = express();
  router.disable('x-powered-by');
  // Behind a TLS-terminating proxy on a private network (an ingress, a sidecar), X-Forwarded-Proto tells that the
  // browser came over HTTPS, so the session cookie gets `Secure`.
  router.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const sessionOf = (req: Request): SessionPayload | null =>
    deps.sessions.read(cookieValue(req.get('cookie'), sessionCookieName), deps.now());
  const secure = (req: Request) => req.protocol === 'https';

  router.use('/assets', express.static(assetsDir, { fallthrough: false, index: false, maxAge: 0 }));

  router.get('/sign-in', (_req, res) => sendPage(res, 200, signInPage(null)));
  router.post('/sign-in', express.urlencoded({ extended: false, limit: 4096 }), async (req, res) => {
    if (!sameOrigin(req)) return sendPage(res, 403, signInPage('Sign in from the console’s own page.'));
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    let value: string | null = null;
    if (token !== '' && tokensEqual(token, deps.adminToken)) {
      value = deps.sessions.issue({ kind: 'admin' }, deps.now());
      signIns.inc({ outcome: 'admin' });
    } else {
      const projectId = projectOfToken(token);
      const hash = hashToken(token);
      if (projectId !== null && (await deps.projectTokens.nameOfHash(projectId, hash)) !== null) {
        value = deps.sessions.issue({ kind: 'project', projectId, tokenHash: hash }, deps.now());
        signIns.inc({ outcome: 'project' });
      }
    }
    if (value === null) {
      signIns.inc({ outcome: 'refused' });
      return sendPage(res, 401, signInPage('That token is not the admin token nor a valid project token.'));
    }
    res.setHeader(
      'Set-Cookie',
      sessionCookie(value, { secure: secure(req), maxAgeSeconds: sessionLifetimeSeconds }),
    );
    res.redirect(303, '/console/');
  });
  router.post('/sign-out', express.urlencoded({ extended: false, limit: 1024 }), (req, res) => {
    const session = sessionOf(req);
    const given = req.get('x-csrf-token') ?? (typeof req.body?.csrf === 'string' ? req.body.csrf : undefined);
    if (session && !deps.sessions.csrfValid(session, given)) {
      res
        .status(403)
        .json({ error: { code: 'FORBIDDEN', message: 'signing out needs the session’s CSRF token' } });
      return;
    }
    res.setHeader('Set-Cookie', sessionCookie('', { secure: secure(req), maxAgeSeconds: 0 }));
    res.redirect(303, '/console/sign-in');
  });
  /** Who is signed in, and the CSRF token the page sends with every change. */
  router.get('/session', async (req, res) => {
    const session = sessionOf(req);
    const principal = session && (await principalOfSession(deps, session));
    res.set('Cache-Control', 'no-store');
    if (!session || !principal) {
      res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'not signed in' } });
      return;
    }
    res.json({
      principal,
      csrfToken: deps.sessions.csrfToken(session),
      expiresAt: session.expiresAt,
      taigaWebUrl: deps.taigaWebUrl,
      // The run machine's states, for the status filter: new states (plan approval, review) appear by themselves.
      runStatuses,
      actions: actionTable,
    });
  });

  router.use('/queues', queuesGuard(sessionOf), queuesBoard(deps.queues));

  router.get(/.*/, async (req, res) => {
    const session = sessionOf(req);
    if (!session || !(await principalOfSession(deps, session))) return res.redirect(303, '/console/sign-in');
    sendPage(res, 200, shellPage());
  });
  return router;
}

async function principalOfSession(deps: ConsoleDeps, session: SessionPayload) {
  if (session.kind === 'admin') return { kind: 'admin' as const, name: 'admin' };
  const name = await deps.projectTokens.nameOfHash(session.projectId, session.tokenHash);
  return name === null
    ? null
    : {
        kind: 'project' as const,
        projectId: session.projectId,
        name: `project:${session.projectId}/${name}`,
      };
}

/** bull-board is the admin's: a project token's session gets 403, no session goes to the sign-in form. */
function queuesGuard(sessionOf: (req: Request) => SessionPayload | null) {
  return (req: Request, res: Response, next: NextFunction) => {
    const session = sessionOf(req);
    if (!session) {
      if (req.method === 'GET' && !req.path.startsWith('/api/')) return res.redirect(303, '/console/sign-in');
      return res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'sign in to the console' } });
    }
    if (session.kind !== 'admin') {
      return res
        .status(403)
        .json({ error: { code: 'FORBIDDEN', message: 'the queues dashboard is for the admin token only' } });
    }
    if (!['GET', 'HEAD'].includes(req.method) && !sameOrigin(req)) {
      return res.status(403).json({ error: { code: 'FORBIDDEN', message: 'cross-site request refused' } });
    }
    res.set({ 'Content-Security-Policy': queuesPolicy, 'X-Content-Type-Options': 'nosniff' });
    next();
  };
}

function queuesBoard(queues: JobQueues) {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/console/queues');
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(queues.queue(name))),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Tundra queues' } },
  });
  return adapter.getRouter() as Router;
}
