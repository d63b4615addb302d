import express, { type Request, type Response, type Router } from 'express';
import type { ForgeHandle } from '../forge-handle.js';
import type { Fault } from '../http/faults.js';
import type { CiJobInput, LineComment } from '../model/operations.js';
import type { AccessLevel } from '../model/types.js';

type Body = Record<string, unknown>;
type Role = Exclude<AccessLevel, 'none'>;

/** A required string field, or an error naming it. */
function text(body: Body, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new Error(`missing ${name}`);
  return value;
}

const optional = (body: Body, name: string) =>
  typeof body[name] === 'string' ? (body[name] as string) : undefined;

function role(body: Body, name: string): Role {
  const value = text(body, name);
  if (value !== 'read' && value !== 'write' && value !== 'admin')
    throw new Error(`${name} must be read, write or admin`);
  return value;
}

/**
 * The sandbox's own controls under `/_sandbox`, for the CLI, scripts and the demo: act as a person on a pull
 * request, report CI, manage users, tokens, members, hooks and faults. No authentication: bind to loopback.
 */
export function adminRouter(forge: ForgeHandle): Router {
  const router = express.Router();
  router.use(express.json());
  const handle = (action: (body: Body, req: Request) => unknown) => async (req: Request, res: Response) => {
    try {
      res.json((await action((req.body ?? {}) as Body, req)) ?? { ok: true });
    } catch (error) {
      res.status(400).json({ error: error instanceof Error ? error.message : String(error) });
    }
  };

  router.post(
    '/_sandbox/repos',
    handle((body) =>
      forge.createRepository({
        fullName: text(body, 'fullName'),
        defaultBranch: optional(body, 'defaultBranch'),
        files: body.files as Record<string, string> | undefined,
      }),
    ),
  );
  router.post(
    '/_sandbox/members',
    handle((body) => forge.addMember(text(body, 'repo'), text(body, 'login'), role(body, 'role'))),
  );
  router.post(
    '/_sandbox/tokens',
    handle((body) => ({
      token: forge.issueToken(text(body, 'login'), role(body, 'access'), optional(body, 'token')),
    })),
  );
  router.post(
    '/_sandbox/tokens/revoke',
    handle((body) => forge.revokeToken(text(body, 'token'))),
  );
  router.post(
    '/_sandbox/hooks',
    handle((body) => ({
      id: forge.addWebhook(text(body, 'repo'), {
        url: text(body, 'url'),
        secret: optional(body, 'secret') ?? '',
        events: Array.isArray(body.events) ? body.events.map(String) : undefined,
      }),
    })),
  );
  router.post(
    '/_sandbox/faults',
    handle((body) => {
      const fault = {
        ...body,
        pathPattern: body.path ? new RegExp(String(body.path)) : undefined,
      } as unknown as Fault;
      if (typeof fault.status !== 'number' || typeof fault.count !== 'number')
        throw new Error('missing status, count');
      forge.injectFault(fault);
    }),
  );
  router.get(
    '/_sandbox/repos/:owner/:name/pulls',
    handle((_body, req) => forge.pulls(`${req.params.owner}/${req.params.name}`)),
  );
  router.get(
    '/_sandbox/deliveries',
    handle(() => forge.deliveries()),
  );
  router.post(
    '/_sandbox/deliveries/:id/redeliver',
    handle((_body, req) => forge.redeliver(String(req.params.id))),
  );
  router.post(
    '/_sandbox/act',
    handle(async (body) => {
      const person = forge.actAs(text(body, 'as'));
      const repo = text(body, 'repo');
      const number = Number(body.number);
      const said = optional(body, 'body') ?? '';
      const action = text(body, 'action');
      switch (action) {
        case 'request_changes':
          return person.requestChanges(repo, number, said, body.comments as LineComment[] | undefined);
        case 'approve':
          return person.approve(repo, number, said);
        case 'comment':
          return person.comment(repo, number, said);
        case 'line_comment':
          return person.lineComment(repo, number, {
            path: text(body, 'path'),
            line: Number(body.line),
            body: said,
          });
        case 'reply':
          return person.reply(repo, number, String(body.threadId), said);
        case 'merge':
          return person.merge(repo, number, body.method === 'squash' ? 'squash' : 'merge');
        case 'close':
          return person.close(repo, number);
        case 'reopen':
          return person.reopen(repo, number);
        case 'ci':
          return person.reportCi(repo, {
            branch: text(body, 'branch'),
            sha: optional(body, 'sha'),
            name: optional(body, 'name'),
            jobs: (body.jobs as CiJobInput[] | undefined) ?? [],
          });
        default:
          throw new Error(`unknown action ${action}`);
      }
    }),
  );
  return router;
}
