import type { TaigaSandbox } from '@tundra/taiga-sandbox';

/** A story with tasks on a seeded sandbox project, created by the admin as a person would. */
export async function createStory(
  sandbox: TaigaSandbox,
  projectId: number,
  subject: string,
  taskSubjects: readonly string[],
  description = '',
): Promise<{ id: number; ref: number; tasks: { id: number; ref: number }[] }> {
  const admin = sandbox.actAs('admin');
  const story = await admin.createUserStory({ project: projectId, subject, description });
  const tasks = [];
  for (const taskSubject of taskSubjects) {
    const task = await admin.createTask({
      project: projectId,
      user_story: story.id,
      subject: taskSubject,
      description: `Do: ${taskSubject}`,
    });
    tasks.push({ id: task.id as number, ref: task.ref as number });
  }
  return { id: story.id as number, ref: story.ref as number, tasks };
}

/** The admin assigns the story to the bot: Taiga's webhook to the ingester starts a run. */
export async function assignToBot(sandbox: TaigaSandbox, storyId: number, botId: number): Promise<void> {
  await sandbox
    .actAs('admin')
    .patchUserStory(storyId, { assigned_to: botId, version: await storyVersion(sandbox, storyId) });
}

export async function storyVersion(sandbox: TaigaSandbox, storyId: number): Promise<number> {
  const response = await fetch(`${sandbox.url}/api/v1/userstories/${storyId}`, {
    headers: await adminAuth(sandbox),
  });
  return ((await response.json()) as { version: number }).version;
}

/** What Taiga shows for an item now: its status slug, blocked flag and comments. */
export async function readItem(sandbox: TaigaSandbox, type: 'userstory' | 'task', id: number) {
  const headers = await adminAuth(sandbox);
  const path = type === 'task' ? 'tasks' : 'userstories';
  const item = (await (await fetch(`${sandbox.url}/api/v1/${path}/${id}`, { headers })).json()) as {
    status: number;
    status_extra_info: { name: string };
    is_blocked: boolean;
    blocked_note: string;
    project: number;
  };
  const history = (await (
    await fetch(`${sandbox.url}/api/v1/history/${type}/${id}`, { headers })
  ).json()) as { comment: string }[];
  return { ...item, comments: history.map((entry) => entry.comment).filter((comment) => comment !== '') };
}

async function adminAuth(sandbox: TaigaSandbox): Promise<Record<string, string>> {
  const login = await fetch(`${sandbox.url}/api/v1/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'normal', username: 'admin', password: 'admin123' }),
  });
  const { auth_token } = (await login.json()) as { auth_token: string };
  return { Authorization: `Bearer ${auth_token}` };
}
