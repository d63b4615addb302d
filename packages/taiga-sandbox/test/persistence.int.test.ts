import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTaigaClient } from '@tundra/taiga';
import { afterAll, describe, expect, it } from 'vitest';
import { startTaigaSandbox } from '../src/index.js';

// `pnpm start` keeps the sandbox's state in a file, so a restart continues where the demo was.

const dir = mkdtempSync(join(tmpdir(), 'tundra-sandbox-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clientOf = (url: string, user: { username: string; password: string }) =>
  createTaigaClient({
    baseUrl: url,
    username: user.username,
    password: user.password,
    timeoutMs: 5_000,
    // A pooled connection to a sandbox that stopped fails once; the client tries again on a new one.
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10, maxTotalMs: 2_000 },
    conflictRetries: 0,
  });

/** The status of a GET on a connection of its own (fetch's pooled ones died with the sandbox that stopped). */
function statusOf(url: string, token: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
}

describe('a sandbox with a state file', () => {
  it('starts again where it stopped: items, history, ids, sessions, the seed and its webhook', async () => {
    const stateFile = join(dir, 'taiga.json');
    const first = await startTaigaSandbox({ stateFile });
    expect(first.restoredSeed).toBeNull();
    const seed = await first.seedDemo({ webhookUrl: 'http://127.0.0.1:1/hook', webhookKey: 'key-1' });
    const bot = clientOf(first.url, seed.users.bot);
    const story = await bot.getUserStory(seed.story.id);
    // A change through the API, with a comment: history, a version, and a webhook log of the failed delivery.
    await bot.patchUserStory(seed.story.id, () => ({
      subject: 'Renamed before the restart',
      comment: 'hello',
    }));
    const login = await fetch(`${first.url}/api/v1/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'normal', ...seed.users.admin }),
    });
    const { auth_token: token } = (await login.json()) as { auth_token: string };
    await first.stop();

    // On the same port: sessions opened before the restart still work.
    const second = await startTaigaSandbox({ stateFile, port: Number(new URL(first.url).port) });
    expect(second.restoredSeed).toEqual(seed);
    expect(await statusOf(`${second.url}/api/v1/users/me`, token)).toBe(200);
    const restored = await bot.getUserStory(seed.story.id);
    expect(restored).toMatchObject({
      subject: 'Renamed before the restart',
      version: story.version + 1,
      created_date: story.created_date,
    });
    const history = await bot.userStoryHistory(seed.story.id);
    expect(history.map((entry) => entry.comment)).toContain('hello');
    // Ids and refs continue from where they were.
    const admin = second.actAs(seed.users.admin.username);
    const next = await admin.createUserStory({ project: seed.project.id, subject: 'After the restart' });
    expect(next.id).toBe(seed.story.id + 1);
    expect(next.ref).toBe(seed.tasks.at(-1)!.ref + 1);

    // The webhook can be pointed elsewhere (another ingester port) without seeding again.
    second.retargetWebhook(seed.webhook!.id, 'http://127.0.0.1:2/hook', 'key-2');
    await second.stop();
    const third = await startTaigaSandbox({ stateFile });
    expect(third.restoredSeed?.webhook).toEqual({
      id: seed.webhook!.id,
      url: 'http://127.0.0.1:2/hook',
      key: 'key-2',
    });
    expect((await clientOf(third.url, seed.users.admin).getUserStory(next.id as number)).subject).toBe(
      'After the restart',
    );
    await third.stop();
  });

  it('starts empty when the file does not exist yet, and keeps nothing without one', async () => {
    const fresh = await startTaigaSandbox({ stateFile: join(dir, 'new', 'taiga.json') });
    expect(fresh.restoredSeed).toBeNull();
    await fresh.seedDemo();
    await fresh.stop();
    const memory = await startTaigaSandbox();
    expect(memory.restoredSeed).toBeNull();
    await memory.stop();
  });
});
