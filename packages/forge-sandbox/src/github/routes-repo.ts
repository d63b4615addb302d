import { createHmac } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { paginate } from '../http/pagination.js';
import { removeBranch } from '../model/operations.js';
import type { CiRunRecord } from '../model/types.js';
import { caller, type GithubRouteDeps, intParam, repoFor } from './context.js';
import { githubErrors } from './respond.js';
import { githubCheckRun, githubCheckSuite, githubJob, githubWorkflowRun } from './serialize-ci.js';
import { githubFullRepo, githubUser } from './serialize-repo.js';

const roleNames = { admin: 'admin', write: 'write', read: 'read', none: 'none' } as const;

/** Users, repositories, branches, checks and Actions runs, with the signed log downloads jobs redirect to. */
export function githubRepoRoutes(deps: GithubRouteDeps, logSecret: string): Router {
  const router = express.Router();
  const { ctx, view } = deps;
  const page = <T>(req: Request, res: Response, items: readonly T[]) =>
    paginate(req, res, items, { forge: 'github', publicBase: view.urls.web, defaultPerPage: 30 });
  const signature = (jobId: number) => createHmac('sha256', logSecret).update(String(jobId)).digest('hex');

  router.get('/user', (_req, res) => {
    const who = caller(res);
    if (!who) {
      githubErrors.requiresAuth(res);
      return;
    }
    const created = ctx.store.state.repos[0]?.createdAt ?? ctx.store.now();
    // `private-user`: what `GET /user` answers a token about its own user.
    res.json({
      ...githubUser(view.urls, who.user),
      user_view_type: 'private',
      name: who.user.name,
      company: null,
      blog: '',
      location: null,
      email: who.user.email,
      hireable: null,
      bio: null,
      twitter_username: null,
      notification_email: who.user.email,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: created,
      updated_at: created,
      private_gists: 0,
      total_private_repos: ctx.store.state.repos.filter((repo) => repo.members[who.user.id] !== undefined)
        .length,
      owned_private_repos: ctx.store.state.repos.filter((repo) => repo.owner === who.user.login).length,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
      plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
    });
  });

  router.get('/repos/:owner/:repo', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'metadata');
    if (!found) return;
    const access = ctx.store.access(found.repo, found.caller.user.id, found.caller.token);
    res.json(githubFullRepo(view.urls, found.repo, ctx.store.ensureUser(found.repo.owner), access));
  });

  router.get('/repos/:owner/:repo/collaborators/:username/permission', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'metadata');
    if (!found) return;
    const user = ctx.store.userByLogin(String(req.params.username));
    if (!user) {
      githubErrors.notFound(res);
      return;
    }
    const role = found.repo.members[user.id] ?? 'none';
    res.json({
      permission: role,
      role_name: roleNames[role],
      user: {
        ...githubUser(view.urls, user),
        permissions: {
          admin: role === 'admin',
          maintain: role === 'admin',
          push: role === 'admin' || role === 'write',
          triage: role !== 'none',
          pull: role !== 'none',
        },
        role_name: roleNames[role],
      },
    });
  });

  // Clients send the ref with its slashes encoded (`heads%2Ffeature%2Fx`) or not; GitHub takes both.
  router.delete('/repos/:owner/:repo/git/refs/*ref', async (req, res) => {
    const found = repoFor(deps, req, res, 'write', 'contents');
    if (!found) return;
    const ref = ([] as string[]).concat(req.params.ref as string | string[]).join('/');
    if (!ref.startsWith('heads/') || !(await removeBranch(found.repo, ref.slice('heads/'.length)))) {
      githubErrors.validation(res, [], 'Reference does not exist');
      return;
    }
    res.status(204).end();
  });

  const runsAt = (repoId: number, ref: string): CiRunRecord[] =>
    ctx.store.ciRuns(repoId).filter((run) => run.sha === ref || run.branch === ref);

  router.get('/repos/:owner/:repo/commits/:ref/check-runs', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'checks');
    if (!found) return;
    const runs = runsAt(found.repo.id, String(req.params.ref)).flatMap((run) =>
      run.jobs.map((job) => githubCheckRun(view, found.repo, run, job)),
    );
    const filtered =
      typeof req.query.check_name === 'string'
        ? runs.filter((run) => run.name === req.query.check_name)
        : runs;
    res.json({ total_count: filtered.length, check_runs: page(req, res, filtered.reverse()) });
  });

  router.get('/repos/:owner/:repo/commits/:ref/check-suites', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'checks');
    if (!found) return;
    const suites = runsAt(found.repo.id, String(req.params.ref)).map((run) =>
      githubCheckSuite(view, found.repo, run),
    );
    res.json({ total_count: suites.length, check_suites: page(req, res, suites) });
  });

  router.get('/repos/:owner/:repo/actions/runs', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'actions');
    if (!found) return;
    const runs = ctx.store
      .ciRuns(found.repo.id)
      .filter(
        (run) =>
          (typeof req.query.head_sha !== 'string' || run.sha === req.query.head_sha) &&
          (typeof req.query.branch !== 'string' || run.branch === req.query.branch) &&
          (typeof req.query.status !== 'string' ||
            run.status === req.query.status ||
            run.conclusion === req.query.status),
      )
      .reverse();
    res.json({
      total_count: runs.length,
      workflow_runs: page(req, res, runs).map((run) => githubWorkflowRun(view, found.repo, run)),
    });
  });

  router.get('/repos/:owner/:repo/actions/runs/:runId/jobs', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'actions');
    if (!found) return;
    const runId = intParam(req, res, 'runId');
    if (runId === null) return;
    const run = ctx.store.ciRuns(found.repo.id).find((candidate) => candidate.id === runId);
    if (!run) {
      githubErrors.notFound(res);
      return;
    }
    res.json({
      total_count: run.jobs.length,
      jobs: page(req, res, run.jobs).map((job) => githubJob(view, found.repo, run, job)),
    });
  });

  router.get('/repos/:owner/:repo/actions/jobs/:jobId/logs', (req, res) => {
    const found = repoFor(deps, req, res, 'read', 'actions');
    if (!found) return;
    const jobId = intParam(req, res, 'jobId');
    if (jobId === null) return;
    const job = ctx.store
      .ciRuns(found.repo.id)
      .flatMap((run) => run.jobs)
      .find((candidate) => candidate.id === jobId);
    if (!job) {
      githubErrors.notFound(res);
      return;
    }
    // GitHub answers with a redirect to a short-lived signed URL on another host that needs no token.
    res.redirect(302, `${view.urls.web}/_logs/jobs/${jobId}?sig=${signature(jobId)}`);
  });

  return router;
}

/** The signed log downloads (outside the API: no token, as on GitHub's log storage). */
export function githubLogRoutes(deps: GithubRouteDeps, logSecret: string): Router {
  const router = express.Router();
  router.get('/_logs/jobs/:jobId', (req, res) => {
    const jobId = Number(req.params.jobId);
    const expected = createHmac('sha256', logSecret).update(String(jobId)).digest('hex');
    const job = deps.ctx.store.state.ciRuns
      .flatMap((run) => run.jobs)
      .find((candidate) => candidate.id === jobId);
    if (req.query.sig !== expected || !job) {
      res.status(403).type('application/xml').send('<Error><Code>AuthenticationFailed</Code></Error>');
      return;
    }
    res.type('text/plain').send(job.log);
  });
  return router;
}
