import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createStateStore } from '@tundra/core/server';
import { createTaigaClient } from '@tundra/taiga';
import { freePort, repoRoot } from '@tundra/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tundra } from '../../packages/cli/test/tundra-process.js';

// `pnpm start` as a person runs it: in its own process group (a terminal's foreground job), on free ports, with its
// state in a directory of its own. It must keep the system up when an app dies, keep the demo's state across a
// restart, and exit 0 after a clean stop on Ctrl-C.

const stateDir = mkdtempSync(join(tmpdir(), 'tundra-start-'));
let env: Record<string, string>;
let ports: Record<string, number>;
let running: ChildProcess | undefined;

beforeAll(async () => {
  ports = {};
  for (const name of [
    'redis',
    'sandbox',
    'github',
    'gitlab',
    'ingester',
    'api',
    'planner',
    'executor',
    'qa',
    'reporter',
  ])
    ports[name] = await freePort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name, value]) => value !== undefined && name !== 'REDIS_URL' && !name.startsWith('TUNDRA_'),
    ),
  ) as Record<string, string>;
  env = {
    ...inherited,
    TUNDRA_STATE_DIR: stateDir,
    TUNDRA_LOCAL_REDIS_PORT: String(ports.redis),
    TUNDRA_SANDBOX_PORT: String(ports.sandbox),
    TUNDRA_FORGE_SANDBOX_GITHUB_PORT: String(ports.github),
    TUNDRA_FORGE_SANDBOX_GITLAB_PORT: String(ports.gitlab),
    TUNDRA_INGESTER_PORT: String(ports.ingester),
    TUNDRA_API_PORT: String(ports.api),
    TUNDRA_PLANNER_PORT: String(ports.planner),
    TUNDRA_EXECUTOR_PORT: String(ports.executor),
    TUNDRA_QA_PORT: String(ports.qa),
    TUNDRA_REPORTER_PORT: String(ports.reporter),
    TUNDRA_LOG_FORMAT: 'json',
  };
});
afterAll(() => {
  // Only if a test failed half-way: the whole group, so nothing it started outlives the test.
  if (running?.exitCode === null) process.kill(-running.pid!, 'SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

interface System {
  lines: string[];
  waitFor(pattern: RegExp, after?: number): Promise<RegExpExecArray>;
  /** Ctrl-C at the terminal: SIGINT to the whole foreground process group. */
  interrupt(): Promise<number | null>;
}

function startSystem(): System {
  const child = spawn('pnpm', ['start'], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  const lines: string[] = [];
  const waiters: { pattern: RegExp; from: number; resolve: (match: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      for (let i = waiter.from; i < lines.length; i++) {
        const match = waiter.pattern.exec(lines[i]!);
        if (!match) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
        break;
      }
    }
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      check();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    lines,
    waitFor: (pattern, after = 0) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, from: after, resolve });
        check();
        void exited.then(() =>
          reject(new Error(`pnpm start exited before ${pattern}:\n${lines.slice(-30).join('\n')}`)),
        );
      }),
    interrupt: async () => {
      process.kill(-child.pid!, 'SIGINT');
      return exited;
    },
  };
}

function taigaAdmin(seed: { url: string; users: { admin: { username: string; password: string } } }) {
  return createTaigaClient({
    baseUrl: seed.url,
    username: seed.users.admin.username,
    password: seed.users.admin.password,
    timeoutMs: 5_000,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 500, maxTotalMs: 5_000 },
    conflictRetries: 1,
  });
}

async function demoProject() {
  const redis = new Redis(ports.redis!, '127.0.0.1');
  try {
    return await createStateStore({ redis, prefix: 'tundra-demo' }).projects.get('demo');
  } finally {
    redis.disconnect();
  }
}

describe('pnpm start', () => {
  it('restarts an app that dies, keeps its state across a restart, and exits 0 on Ctrl-C', async () => {
    const first = startSystem();
    await first.waitFor(/Tundra is running/);
    const seed = JSON.parse(readFileSync(join(stateDir, 'demo-seed.json'), 'utf8'));
    const story = await taigaAdmin(seed).createUserStory({
      project: seed.project.id,
      subject: 'Made before the restart',
    });
    const project = await demoProject();
    expect(project).not.toBeNull();

    // The demo's webhook is in place and works: the sandbox's test delivery reaches the ingester, which verifies it.
    const { apiToken } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8'));
    const cli = { TUNDRA_API_URL: `http://127.0.0.1:${ports.api}`, TUNDRA_API_TOKEN: apiToken };
    const check = await tundra(['projects', 'check', 'demo'], cli);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`→ http://127.0.0.1:${ports.ingester}/webhooks/taiga/demo`);
    expect(check.stdout).toContain(
      "OK: the ingester got Taiga's test delivery for project demo and verified its signature",
    );

    // An app killed outright is started again, after a pause, and says so.
    const [, pid] = (await first.waitFor(/^api\s+\| started \(pid (\d+)\)/)) as unknown as [string, string];
    const mark = first.lines.length;
    process.kill(Number(pid), 'SIGKILL');
    await first.waitFor(/^api\s+\| exited \(signal SIGKILL\); restarting in 1 s \(restart 1\)/, mark);
    await first.waitFor(/^api\s+\| .*"msg":"api is ready"/, mark);
    expect((await fetch(`http://127.0.0.1:${ports.api}/health`)).status).toBe(200);
    // The banner gives the console's address, and the console answers there (nothing opens a browser).
    expect(first.lines.join('\n')).toContain(`console     http://127.0.0.1:${ports.api}/console`);
    expect((await fetch(`http://127.0.0.1:${ports.api}/console/sign-in`)).status).toBe(200);
    // Nothing else was stopped on the way.
    expect(first.lines.slice(mark).filter((line) => /\| (exited|stopped)/.test(line))).toHaveLength(1);

    // Ctrl-C: every process stopped cleanly, apps before the services they use, and pnpm says nothing failed.
    expect(await first.interrupt()).toBe(0);
    const stopped = first.lines
      .filter((line) => line.includes('| stopped ('))
      .map((line) => line.split(/\s+/)[0]);
    expect(stopped.slice(-3)).toEqual(['forge', 'taiga', 'redis']);
    expect(stopped.sort()).toEqual([
      'api',
      'executor',
      'forge',
      'ingester',
      'planner',
      'qa',
      'redis',
      'reporter',
      'taiga',
    ]);
    expect(first.lines.filter((line) => line.includes('| stopped (') && !line.includes('(code 0)'))).toEqual(
      [],
    );
    expect(first.lines.join('\n')).not.toMatch(/ELIFECYCLE|Command failed/);

    // Started again, it continues where it was: the sandbox's items and the demo's Redis state are still there.
    const second = startSystem();
    await second.waitFor(/Tundra is running/);
    expect(second.lines.some((line) => line.includes('Taiga sandbox state restored'))).toBe(true);
    expect(JSON.parse(readFileSync(join(stateDir, 'demo-seed.json'), 'utf8')).project).toEqual(seed.project);
    expect((await taigaAdmin(seed).getUserStory(story.id)).subject).toBe('Made before the restart');
    expect((await demoProject())?.createdAt).toBe(project!.createdAt);
    expect(await second.interrupt()).toBe(0);
  });
});
