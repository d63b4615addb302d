import { type Response, Router } from 'express';
import type { Fault } from '../http/faults.js';
import { bodyOf, sendJson } from '../http/respond.js';
import {
  type NewSandboxMember,
  type NewSandboxUser,
  SandboxControlError,
  type SandboxMember,
} from '../operations/members.js';
import type { DemoSeed, SeededUser, SeedOptions } from '../operations/seed.js';
import type { HistorySeed, HistorySeedOptions } from '../operations/seed-history.js';
import type { DeliveryRecord } from '../webhooks/dispatcher.js';

/** The sandbox's own controls, reachable over HTTP for processes that did not start it (see the README). */
export interface SandboxControl {
  seedDemo(options?: SeedOptions): Promise<DemoSeed>;
  seedHistory(options?: HistorySeedOptions): Promise<HistorySeed>;
  expireTokens(): void;
  injectFaults(fault: Fault): void;
  webhookDeliveries(): readonly DeliveryRecord[];
  addUser(spec: NewSandboxUser): SeededUser;
  addMember(spec: NewSandboxMember): SandboxMember;
}

function seedOptions(body: Record<string, unknown>): SeedOptions {
  const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
  const preset = text('preset');
  return {
    webhookUrl: text('webhookUrl'),
    webhookKey: text('webhookKey'),
    projectSlug: text('projectSlug'),
    preset: preset === 'tundra' || preset === 'taiga-default' ? preset : undefined,
  };
}

/**
 * `POST /sandbox/seed`, `POST /sandbox/seed-history`, `POST /sandbox/users`, `POST /sandbox/memberships`,
 * `POST /sandbox/expire-tokens`, `POST /sandbox/faults`, `GET /sandbox/deliveries`.
 */
export function sandboxAdminRouter(control: SandboxControl): Router {
  const router = Router();
  router.post('/sandbox/seed', async (req, res) => {
    try {
      sendJson(res, 201, await control.seedDemo(seedOptions(bodyOf(req))));
    } catch (error) {
      sendJson(res, 409, { error: error instanceof Error ? error.message : String(error) });
    }
  });
  router.post('/sandbox/seed-history', async (req, res) => {
    const body = bodyOf(req);
    const number = (field: string) => (typeof body[field] === 'number' ? (body[field] as number) : undefined);
    try {
      sendJson(
        res,
        201,
        await control.seedHistory({
          seed: number('seed'),
          days: number('days'),
          now: typeof body.now === 'string' ? new Date(body.now) : undefined,
          projectSlug: typeof body.projectSlug === 'string' ? body.projectSlug : undefined,
        }),
      );
    } catch (error) {
      sendJson(res, 409, { error: error instanceof Error ? error.message : String(error) });
    }
  });
  const refused = (res: Response, error: unknown) => {
    if (!(error instanceof SandboxControlError)) throw error;
    sendJson(res, error.status, { error: error.message });
  };
  router.post('/sandbox/users', (req, res) => {
    const body = bodyOf(req);
    if (typeof body.username !== 'string' || typeof body.password !== 'string') {
      sendJson(res, 400, { error: 'username and password (strings) are required' });
      return;
    }
    try {
      sendJson(
        res,
        201,
        control.addUser({
          username: body.username,
          password: body.password,
          fullName: typeof body.fullName === 'string' ? body.fullName : undefined,
        }),
      );
    } catch (error) {
      refused(res, error);
    }
  });
  router.post('/sandbox/memberships', (req, res) => {
    const body = bodyOf(req);
    const project =
      typeof body.project === 'number' || typeof body.project === 'string' ? body.project : null;
    if (project === null || typeof body.username !== 'string') {
      sendJson(res, 400, { error: 'project (id or slug) and username are required' });
      return;
    }
    try {
      sendJson(
        res,
        201,
        control.addMember({
          project,
          username: body.username,
          role: typeof body.role === 'string' ? body.role : undefined,
          isAdmin: body.isAdmin === true,
        }),
      );
    } catch (error) {
      refused(res, error);
    }
  });
  router.post('/sandbox/expire-tokens', (_req, res) => {
    control.expireTokens();
    res.status(204).end();
  });
  router.post('/sandbox/faults', (req, res) => {
    const body = bodyOf(req);
    if (typeof body.status !== 'number' || typeof body.count !== 'number') {
      sendJson(res, 400, { error: 'status and count (numbers) are required' });
      return;
    }
    control.injectFaults({
      status: body.status,
      count: body.count,
      method: typeof body.method === 'string' ? body.method : undefined,
      pathPattern: typeof body.pathPattern === 'string' ? new RegExp(body.pathPattern) : undefined,
      retryAfterSeconds: typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : undefined,
    });
    res.status(204).end();
  });
  router.get('/sandbox/deliveries', (_req, res) => {
    sendJson(res, 200, control.webhookDeliveries());
  });
  return router;
}
