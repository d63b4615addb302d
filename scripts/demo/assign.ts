// `pnpm demo:assign`: as the sandbox's admin, assigns the demo story to Tundra's bot, which is what starts a run.
// The Taiga sandbox sends the signed webhook to the ingester, exactly as a real Taiga would.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTaigaClient } from '@tundra/taiga';

const root = resolve(import.meta.dirname, '../..');
if (existsSync(resolve(root, '.env'))) process.loadEnvFile(resolve(root, '.env'));
const stateDir = resolve(root, process.env.TUNDRA_STATE_DIR ?? '.tundra');
const seed = JSON.parse(readFileSync(resolve(stateDir, 'demo-seed.json'), 'utf8')) as {
  url: string;
  users: { admin: { username: string; password: string }; bot: { id: number } };
  story: { id: number; ref: number };
};
const admin = createTaigaClient({
  baseUrl: seed.url,
  username: seed.users.admin.username,
  password: seed.users.admin.password,
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, maxTotalMs: 10_000 },
  conflictRetries: 3,
});
await admin.patchUserStory(seed.story.id, () => ({
  assigned_to: seed.users.bot.id,
  assigned_users: [seed.users.bot.id],
}));
console.log(`Story #${seed.story.ref} is assigned to the bot: Tundra plans it now. Watch the apps' output.`);
