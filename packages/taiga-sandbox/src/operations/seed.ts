import type { StatusPreset } from '../state/templates.js';
import type { ItemRecord, UserRecord } from '../state/types.js';
import type { SandboxCore } from './core.js';
import { addMember, createProject, createUser } from './create-project.js';
import { createItem } from './items.js';

export interface SeedOptions {
  webhookUrl?: string;
  webhookKey?: string;
  projectSlug?: string;
  preset?: StatusPreset;
  /** A public project: what a logged-in non-member may do there (`comment_us`, `comment_task`). */
  publicPermissions?: string[];
}

export interface SeededUser {
  id: number;
  username: string;
  password: string;
}

export interface SeededStatus {
  id: number;
  slug: string;
  name: string;
}

/** What `seedDemo` made, with the credentials to log in. */
export interface DemoSeed {
  project: { id: number; slug: string; name: string };
  users: { admin: SeededUser; bot: SeededUser };
  story: { id: number; ref: number };
  tasks: { id: number; ref: number }[];
  webhook: { id: number; url: string; key: string } | null;
  statuses: { task: SeededStatus[]; userStory: SeededStatus[] };
}

/** The demo users, as in the captures (the bot is Tundra's Taiga account). */
export const demoUsers = {
  admin: { username: 'admin', password: 'admin123', fullName: 'Taiga Admin', color: '#55c656' },
  bot: { username: 'taiga-bot', password: 'bot12345', fullName: 'Taiga Bot', color: '#55c656' },
} as const;

function ensureUser(core: SandboxCore, spec: (typeof demoUsers)[keyof typeof demoUsers]): UserRecord {
  return core.store.userByUsername(spec.username) ?? createUser(core.store, spec, core.now());
}

async function mustCreate(
  core: SandboxCore,
  actor: UserRecord,
  kind: ItemRecord['kind'],
  body: Record<string, unknown>,
): Promise<ItemRecord> {
  const created = await createItem(core, actor, kind, body);
  if (!created.ok) throw new Error(`seeding a ${kind} failed: ${JSON.stringify(created.failure.body)}`);
  return created.value;
}

/**
 * A demo project: users admin and taiga-bot (both members), the preset's statuses, a user story with 3 tasks, and a
 * webhook when a URL is given (made last, so seeding itself sends nothing).
 */
export async function seedDemo(core: SandboxCore, options: SeedOptions = {}): Promise<DemoSeed> {
  const { store } = core;
  const slug = options.projectSlug ?? 'admin-tundra-demo';
  if (store.projectBySlug(slug)) throw new Error(`a project with slug ${slug} exists already`);
  const admin = ensureUser(core, demoUsers.admin);
  const bot = ensureUser(core, demoUsers.bot);
  const project = createProject(
    store,
    {
      name: 'Tundra Demo',
      slug,
      description: 'A demo project of the Taiga sandbox',
      owner: admin,
      preset: options.preset ?? 'taiga-default',
      ...(options.publicPermissions ? { publicPermissions: options.publicPermissions } : {}),
    },
    core.now(),
  );
  addMember(store, project, bot, 'back', { isAdmin: false, invitedBy: admin, now: core.now() });

  const story = await mustCreate(core, admin, 'userstory', {
    project: project.id,
    subject: 'Demo user story',
    description: 'A story for Tundra to work on',
  });
  const tasks: ItemRecord[] = [];
  for (const index of [1, 2, 3]) {
    tasks.push(
      await mustCreate(core, admin, 'task', {
        project: project.id,
        user_story: story.id,
        subject: `Demo task ${index}`,
        description: `Step ${index} of the demo story`,
      }),
    );
  }

  let webhook: DemoSeed['webhook'] = null;
  if (options.webhookUrl) {
    const id = store.nextId('webhook');
    const key = options.webhookKey ?? 'secret123';
    store.webhooks.set(id, { id, projectId: project.id, name: 'Tundra', url: options.webhookUrl, key });
    webhook = { id, url: options.webhookUrl, key };
  }

  const seededStatuses = (kind: 'task' | 'userStory') =>
    store
      .statusesOf(project.id, kind)
      .map((status) => ({ id: status.id, slug: status.slug, name: status.name }));
  return {
    project: { id: project.id, slug: project.slug, name: project.name },
    users: {
      admin: { id: admin.id, username: admin.username, password: admin.password },
      bot: { id: bot.id, username: bot.username, password: bot.password },
    },
    story: { id: story.id, ref: story.ref },
    tasks: tasks.map((task) => ({ id: task.id, ref: task.ref })),
    webhook,
    statuses: { task: seededStatuses('task'), userStory: seededStatuses('userStory') },
  };
}
