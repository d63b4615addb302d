import express, { type Request, type Response, type Router } from 'express';
import { paginate } from '../http/pagination.js';
import { removeBranch } from '../model/operations.js';
import { type GitlabRouteDeps, gitlabCaller, projectFor } from './context.js';
import { gitlabErrors } from './respond.js';
import {
  gitlabAccessLevel,
  gitlabJob,
  gitlabPipeline,
  gitlabProject,
  gitlabUser,
  pipelineStatus,
} from './serialize.js';

/** Users, projects, members, branches, pipelines, jobs and job logs. */
export function gitlabProjectRoutes(deps: GitlabRouteDeps): Router {
  const router = express.Router();
  const { ctx, view } = deps;
  const page = <T>(req: Request, res: Response, items: readonly T[]) =>
    paginate(req, res, items, { forge: 'gitlab', publicBase: view.web, defaultPerPage: 20 });

  router.get('/user', (_req, res) => {
    const who = gitlabCaller(res);
    if (!who) return gitlabErrors.unauthorized(res);
    res.json({ ...gitlabUser(view, who.user), email: who.user.email, bot: false });
  });

  router.get('/users', (req, res) => {
    if (!gitlabCaller(res)) return gitlabErrors.unauthorized(res);
    const username = typeof req.query.username === 'string' ? req.query.username.toLowerCase() : null;
    const users = ctx.store.state.users.filter(
      (user) => username === null || user.login.toLowerCase() === username,
    );
    res.json(page(req, res, users).map((user) => gitlabUser(view, user)));
  });

  router.get('/projects/:id', (req, res) => {
    const found = projectFor(deps, req, res, 'read');
    if (!found) return;
    res.json(
      gitlabProject(view, found.repo, ctx.store.access(found.repo, found.caller.user.id, found.caller.token)),
    );
  });

  router.get('/projects/:id/members/all/:userId', (req, res) => {
    const found = projectFor(deps, req, res, 'read');
    if (!found) return;
    const user = ctx.store.state.users.find((candidate) => String(candidate.id) === req.params.userId);
    const role = user ? found.repo.members[user.id] : undefined;
    if (!user || role === undefined) return gitlabErrors.notFound(res);
    res.json({
      ...gitlabUser(view, user),
      access_level: gitlabAccessLevel[role],
      created_at: found.repo.createdAt,
      expires_at: null,
      membership_state: 'active',
    });
  });

  router.delete('/projects/:id/repository/branches/*branch', async (req, res) => {
    const found = projectFor(deps, req, res, 'write');
    if (!found) return;
    const branch = ([] as string[]).concat(req.params.branch as string | string[]).join('/');
    if (!(await removeBranch(found.repo, branch))) return gitlabErrors.notFound(res, 'Branch Not Found');
    res.status(204).end();
  });

  router.get('/projects/:id/pipelines', (req, res) => {
    const found = projectFor(deps, req, res, 'read');
    if (!found) return;
    const runs = ctx.store
      .ciRuns(found.repo.id)
      .filter(
        (run) =>
          (typeof req.query.ref !== 'string' || run.branch === req.query.ref) &&
          (typeof req.query.sha !== 'string' || run.sha === req.query.sha) &&
          (typeof req.query.status !== 'string' || pipelineStatus(run) === req.query.status),
      )
      .reverse();
    res.json(page(req, res, runs).map((run) => gitlabPipeline(view, found.repo, run)));
  });

  router.get('/projects/:id/pipelines/:pipelineId/jobs', (req, res) => {
    const found = projectFor(deps, req, res, 'read');
    if (!found) return;
    const run = ctx.store
      .ciRuns(found.repo.id)
      .find((candidate) => String(candidate.id) === req.params.pipelineId);
    if (!run) return gitlabErrors.notFound(res);
    const scope = ([] as unknown[]).concat(req.query.scope ?? req.query['scope[]'] ?? []).map(String);
    const jobs = run.jobs
      .map((job) => gitlabJob(view, found.repo, run, job))
      .filter((job) => scope.length === 0 || scope.includes(job.status));
    res.json(page(req, res, jobs));
  });

  router.get('/projects/:id/jobs/:jobId/trace', (req, res) => {
    const found = projectFor(deps, req, res, 'read');
    if (!found) return;
    const job = ctx.store
      .ciRuns(found.repo.id)
      .flatMap((run) => run.jobs)
      .find((candidate) => String(candidate.id) === req.params.jobId);
    if (!job) return gitlabErrors.notFound(res);
    res.type('text/plain').send(job.log);
  });

  return router;
}
