import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { type Logger, pino } from 'pino';
import { adminRouter } from './admin/routes.js';
import { createForgeHandle, type ForgeHandle } from './forge-handle.js';
import { createGithubApp } from './github/app.js';
import { githubUrls } from './github/urls.js';
import { githubDeliveries, githubEventPayloads } from './github/webhooks.js';
import { createGitlabApp } from './gitlab/app.js';
import { gitlabDeliveries, gitlabEventPayloads } from './gitlab/webhooks.js';
import { FaultInjector } from './http/faults.js';
import { RateWindow } from './http/rate-window.js';
import type { ForgeEvent } from './model/events.js';
import type { OpsContext } from './model/operations.js';
import { ForgeStore } from './model/store.js';
import type { ForgeKind, ForgeState, WebhookRecord } from './model/types.js';
import { type OutgoingDelivery, WebhookDispatcher } from './webhooks/dispatcher.js';

export interface ForgeSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  githubPort?: number;
  gitlabPort?: number;
  /**
   * Where repositories and state live (`<dir>/github`, `<dir>/gitlab`), kept across restarts. Without one, a
   * temporary directory removed at stop.
   */
  dataDir?: string;
  /** Requests per token and hour before GitHub's primary limit (and GitLab's 429) answer; default 5000. */
  rateLimitPerHour?: number;
  logger?: Logger;
  /** The time records are stamped with; tests pass a clock they move. Default: the real one. */
  clock?: () => Date;
}

export interface ForgeSandbox {
  github: ForgeHandle;
  gitlab: ForgeHandle;
  /** Waits for queued webhooks, then closes both servers and writes the state. */
  stop(): Promise<void>;
}

async function listen(app: Express, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  return { server, url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}` };
}

/** Starts a GitHub-compatible and a GitLab-compatible server on loopback, each with its own repositories. */
export async function createForgeSandbox(options: ForgeSandboxOptions = {}): Promise<ForgeSandbox> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ level: 'silent' });
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'forge-sandbox-'));
  const started: {
    kind: ForgeKind;
    server: Server;
    handle: ForgeHandle;
    dispatcher: WebhookDispatcher;
    save: () => void;
  }[] = [];

  for (const kind of ['github', 'gitlab'] as const) {
    const root = join(dataDir, kind);
    mkdirSync(join(root, 'repos'), { recursive: true });
    const store = new ForgeStore(kind, join(root, 'repos'), options.clock);
    const stateFile = join(root, 'state.json');
    try {
      store.restore(JSON.parse(readFileSync(stateFile, 'utf8')) as ForgeState);
    } catch {
      // No state yet: a new sandbox.
    }
    const save = () => writeFileSync(stateFile, `${JSON.stringify(store.snapshot())}\n`);
    const dispatcher = new WebhookDispatcher(logger.child({ forge: kind }));
    const faults = new FaultInjector();
    const rate = new RateWindow(options.rateLimitPerHour ?? 5000);
    // The URL is known once listening; payload builders read it through this holder.
    const base = { url: '' };
    const hooksOf = (repoId: number): WebhookRecord[] =>
      store.state.webhooks.filter((hook) => hook.repoId === repoId);
    const emit = (event: ForgeEvent) => {
      const deliveries: OutgoingDelivery[] =
        kind === 'github'
          ? hooksOf(event.repo.id).flatMap((hook) =>
              githubDeliveries(hook, githubEventPayloads({ urls: githubUrls(base.url), store }, event)),
            )
          : hooksOf(event.repo.id).flatMap((hook) =>
              gitlabDeliveries(
                { web: base.url, store },
                hook,
                gitlabEventPayloads({ web: base.url, store }, event),
              ),
            );
      dispatcher.enqueue(deliveries);
      save();
    };
    const ctx: OpsContext = { store, emit };
    const port = kind === 'github' ? options.githubPort : options.gitlabPort;
    // Serializers need the URL before the server listens; a getter view reads the holder on each request.
    const app =
      kind === 'github'
        ? createGithubApp({
            ctx,
            view: {
              get urls() {
                return githubUrls(base.url);
              },
              store,
            },
            faults,
            rate,
            logger,
          })
        : createGitlabApp({
            ctx,
            view: {
              get web() {
                return base.url;
              },
              store,
            },
            faults,
            rate,
            logger,
          });
    const { server, url } = await listen(app, port ?? 0, host);
    base.url = url;
    const handle = createForgeHandle({
      kind,
      url,
      apiUrl: kind === 'github' ? `${url}/api/v3` : `${url}/api/v4`,
      ctx,
      faults,
      dispatcher,
      changed: save,
    });
    // Express matches routes in order; the admin router joins the app after the forge's own routes were set.
    app.use(adminRouter(handle));
    logger.info({ forge: kind, url }, 'forge sandbox listening');
    started.push({ kind, server, handle, dispatcher, save });
  }

  return {
    github: started[0]!.handle,
    gitlab: started[1]!.handle,
    async stop() {
      for (const forge of started) {
        await forge.dispatcher.idle();
        await new Promise<void>((resolve, reject) => {
          forge.server.close((error) => (error ? reject(error) : resolve()));
          forge.server.closeAllConnections();
        });
        forge.save();
      }
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
