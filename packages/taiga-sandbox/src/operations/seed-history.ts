import type { ItemKind, ItemRecord, UserRecord } from '../state/types.js';
import type { SandboxCore } from './core.js';
import { addMember, createProject, createUser } from './create-project.js';
import { createItem, patchItem } from './items.js';
import { demoUsers } from './seed.js';

export interface HistorySeedOptions {
  /** The PRNG seed: the same seed (and `now`) gives the same project, item for item. */
  seed?: number;
  /** How many days of history, ending at `now`. */
  days?: number;
  now?: Date;
  projectSlug?: string;
}

/** What `seedHistory` made. */
export interface HistorySeed {
  project: { id: number; slug: string; name: string };
  users: {
    admin: { id: number; username: string; password: string };
    bot: { id: number; username: string; password: string };
  };
  counts: { userstories: number; tasks: number; issues: number; changes: number };
  from: string;
  to: string;
}

/** mulberry32: a small, well-known 32-bit PRNG; enough for believable data, and reproducible from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const dayMs = 86_400_000;
const team = [
  { username: 'alice', password: 'alice123', fullName: 'Alice Martin' },
  { username: 'bob', password: 'bob12345', fullName: 'Bob Dupont' },
  { username: 'carol', password: 'carol123', fullName: 'Carol Nguyen' },
] as const;
const verbs = [
  'Export',
  'Import',
  'Show',
  'Filter',
  'Search',
  'Archive',
  'Share',
  'Sync',
  'Validate',
  'Schedule',
];
const things = [
  'invoices',
  'customer notes',
  'order history',
  'team calendar',
  'audit log',
  'price lists',
  'user roles',
  'shipping labels',
  'monthly report',
  'API keys',
];
const ways = [
  'as PDF',
  'by date',
  'on mobile',
  'from CSV',
  'for admins',
  'in bulk',
  'with a preview',
  'per project',
];
const bugs = [
  'crashes',
  'shows the wrong total',
  'times out',
  'loses the selection',
  'renders blank',
  'double-submits',
  'ignores the time zone',
];
const blockReasons = [
  'Waiting for the payment provider',
  'Needs a decision from product',
  'Blocked by the API migration',
  'Waiting for design review',
];

interface Step {
  at: number;
  run: () => Promise<void>;
}

/**
 * A realistic project with `days` of history (90 by default) ending at `now`, from a fixed seed: user stories that
 * move New → Ready → In progress → Ready for test → Done (some blocked for days, some unassigned, some still under
 * way), tasks under them, and issues of every type, severity and priority opened and closed at believable rates.
 * Every change goes through the same operations as the API, at its own moment, so each item has a real history.
 */
export async function seedHistory(core: SandboxCore, options: HistorySeedOptions = {}): Promise<HistorySeed> {
  const random = prng(options.seed ?? 17);
  const now = (options.now ?? new Date()).getTime();
  const start = now - (options.days ?? 90) * dayMs;
  const { store } = core;
  const slug = options.projectSlug ?? 'admin-tundra-reports';
  if (store.projectBySlug(slug)) throw new Error(`a project with slug ${slug} exists already`);

  const realNow = core.now;
  const at = (time: number) => {
    core.now = () => new Date(time);
  };
  at(start - dayMs);
  const user = (spec: { username: string; password: string; fullName: string }): UserRecord =>
    store.userByUsername(spec.username) ?? createUser(store, { ...spec, color: '#4c78a8' }, core.now());
  const admin = user(demoUsers.admin);
  const bot = user(demoUsers.bot);
  const members = team.map(user);
  const project = createProject(
    store,
    {
      name: 'Tundra Reports Demo',
      slug,
      description: 'Ninety days of a team at work',
      owner: admin,
      preset: 'taiga-default',
    },
    core.now(),
  );
  const joined = { isAdmin: false, invitedBy: admin, now: core.now() };
  addMember(store, project, bot, 'back', joined);
  for (const [index, member] of members.entries())
    addMember(store, project, member, index === 1 ? 'front' : 'back', joined);
  const statusId = (kind: 'userStory' | 'task' | 'issue', statusSlug: string) => {
    const status = store.statusesOf(project.id, kind).find((candidate) => candidate.slug === statusSlug);
    if (!status) throw new Error(`no ${kind} status ${statusSlug}`);
    return status;
  };
  statusId('userStory', 'in-progress').wipLimit = 4;
  const valueId = (values: Map<number, { id: number; projectId: number; name: string }>, name: string) =>
    [...values.values()].find((value) => value.projectId === project.id && value.name === name)?.id;

  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const weighted = (weights: Record<string, number>): string => {
    const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
    let roll = random() * total;
    for (const [name, weight] of Object.entries(weights)) {
      roll -= weight;
      if (roll < 0) return name;
    }
    return Object.keys(weights)[0] as string;
  };
  const between = (low: number, high: number) => (low + random() * (high - low)) * dayMs;

  const steps: Step[] = [];
  const counts = { userstories: 0, tasks: 0, issues: 0, changes: 0 };
  const later = (time: number, run: () => Promise<void>) => {
    if (time <= now) steps.push({ at: time, run });
  };
  const patch = async (
    actor: UserRecord,
    kind: ItemKind,
    item: ItemRecord,
    body: Record<string, unknown>,
  ) => {
    const patched = await patchItem(core, actor, kind, item.id, { ...body, version: item.version });
    if (!patched.ok)
      throw new Error(`seeding a ${kind} change failed: ${JSON.stringify(patched.failure.body)}`);
    counts.changes += 1;
  };
  const create = async (actor: UserRecord, kind: ItemKind, body: Record<string, unknown>) => {
    const created = await createItem(core, actor, kind, { project: project.id, ...body });
    if (!created.ok) throw new Error(`seeding a ${kind} failed: ${JSON.stringify(created.failure.body)}`);
    counts[kind === 'userstory' ? 'userstories' : kind === 'task' ? 'tasks' : 'issues'] += 1;
    return created.value;
  };

  // User stories arrive on most working days and flow through the board.
  for (let day = start; day < now; day += dayMs) {
    const arrivals = random() < 0.75 ? (random() < 0.25 ? 2 : 1) : 0;
    for (let n = 0; n < arrivals; n += 1) {
      const created = day + between(0.3, 0.7);
      const subject = `${pick(verbs)} ${pick(things)} ${pick(ways)}`;
      const owner = pick([admin, ...members]);
      const assignee = random() < 0.85 ? pick(members) : null;
      const ready = created + between(0, 4);
      const started = ready + between(0.3, 5);
      const review = started + between(1, 7);
      const done = review + between(0.2, 2.5);
      const blocked = random() < 0.18 ? started + between(0.2, 1.5) : null;
      const unblocked = blocked === null ? null : blocked + between(0.5, 5);
      const taskCount = Math.floor(random() * 4);
      later(created, async () => {
        const story = await create(owner, 'userstory', {
          subject,
          description: `As a user I want to ${subject.toLowerCase()}.`,
        });
        const move = (time: number, statusSlug: string, extra: Record<string, unknown> = {}) =>
          later(time, () =>
            patch(assignee ?? owner, 'userstory', story, {
              status: statusId('userStory', statusSlug).id,
              ...extra,
            }),
          );
        move(ready, 'ready');
        move(
          started,
          'in-progress',
          assignee ? { assigned_to: assignee.id, assigned_users: [assignee.id] } : {},
        );
        if (blocked !== null && unblocked !== null) {
          later(blocked, () =>
            patch(assignee ?? owner, 'userstory', story, {
              is_blocked: true,
              blocked_note: pick(blockReasons),
            }),
          );
          later(unblocked, () =>
            patch(assignee ?? owner, 'userstory', story, { is_blocked: false, blocked_note: '' }),
          );
        }
        const shift = unblocked !== null && unblocked > started ? unblocked - blocked! : 0;
        move(review + shift, 'ready-for-test');
        move(done + shift, 'done');
        for (let t = 0; t < taskCount; t += 1) {
          const taskStart = started + between(0, 1);
          const taskDone = taskStart + between(0.3, 4) + shift;
          const worker = assignee ?? pick(members);
          later(started + t * 3_600_000, async () => {
            const task = await create(worker, 'task', {
              user_story: story.id,
              subject: `${pick(['Backend', 'UI', 'Tests', 'Docs'])} for ${subject.toLowerCase()}`,
              ...(random() < 0.9 ? { assigned_to: worker.id } : {}),
            });
            later(taskStart, () =>
              patch(worker, 'task', task, { status: statusId('task', 'in-progress').id }),
            );
            later(Math.min(taskDone, done + shift), () =>
              patch(worker, 'task', task, { status: statusId('task', 'closed').id }),
            );
          });
        }
      });
    }
  }

  // Issues: mostly bugs, closed sooner the more severe they are; the least severe sometimes never.
  const closeDays: Record<string, [number, number]> = {
    Critical: [0.2, 2.5],
    Important: [0.5, 10],
    Normal: [2, 30],
    Minor: [4, 60],
    Wishlist: [10, 120],
  };
  for (let day = start; day < now; day += dayMs) {
    const arrivals = random() < 0.65 ? (random() < 0.3 ? 2 : 1) : 0;
    for (let n = 0; n < arrivals; n += 1) {
      const created = day + between(0.1, 0.9);
      const type = weighted({ Bug: 70, Question: 15, Enhancement: 15 });
      const severity = weighted({ Wishlist: 5, Minor: 25, Normal: 40, Important: 20, Critical: 10 });
      const priority = severity === 'Critical' ? 'High' : weighted({ Low: 30, Normal: 50, High: 20 });
      const [low, high] = closeDays[severity] ?? [1, 10];
      const closes = created + between(low, high);
      const startsWork = created + (closes - created) * random() * 0.6;
      const reporter = pick([admin, ...members]);
      const fixer = random() < 0.8 ? pick(members) : null;
      const rejected = type !== 'Bug' && random() < 0.3;
      // Some issues are never looked at again: the backlog every tracker has.
      const forgotten = severity !== 'Critical' && random() < 0.12;
      later(created, async () => {
        const issue = await create(reporter, 'issue', {
          subject: type === 'Bug' ? `${pick(things)} ${pick(bugs)}` : `${pick(verbs)} ${pick(things)}?`,
          type: valueId(store.issueTypes, type),
          severity: valueId(store.severities, severity),
          priority: valueId(store.priorities, priority),
        });
        if (!rejected) {
          later(startsWork, () =>
            patch(fixer ?? reporter, 'issue', issue, {
              status: statusId('issue', 'in-progress').id,
              ...(fixer ? { assigned_to: fixer.id } : {}),
            }),
          );
        }
        if (!forgotten) {
          later(closes, () =>
            patch(fixer ?? reporter, 'issue', issue, {
              status: statusId('issue', rejected ? 'rejected' : 'closed').id,
            }),
          );
        }
      });
    }
  }

  try {
    // Changes run in time order; a step can schedule later steps (a story's moves once it exists).
    while (steps.length > 0) {
      steps.sort((a, b) => a.at - b.at);
      const step = steps.shift() as Step;
      at(step.at);
      await step.run();
    }
  } finally {
    core.now = realNow;
  }
  return {
    project: { id: project.id, slug: project.slug, name: project.name },
    users: {
      admin: { id: admin.id, username: admin.username, password: admin.password },
      bot: { id: bot.id, username: bot.username, password: bot.password },
    },
    counts,
    from: new Date(start).toISOString(),
    to: new Date(now).toISOString(),
  };
}
