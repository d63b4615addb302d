// The demo's forge: a repository on the forge sandbox's GitHub, the bot and a reviewer as its members, the bot's
// token and a webhook to the ingester. Made once; the sandbox's data directory keeps them between starts.

/** The demo repository on the sandbox's GitHub, and the people `pnpm demo:review` acts as. */
export const demoForge = { repo: 'acme/demo', bot: 'tundra-bot', reviewer: 'alice' } as const;

export interface DemoForgeSettings {
  /** The sandbox's GitHub root, `http://127.0.0.1:PORT`. */
  githubUrl: string;
  ingesterUrl: string;
  token: string;
  webhookSecret: string;
}

async function control(githubUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${githubUrl}/_sandbox/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function must(response: Promise<Response>, what: string): Promise<void> {
  const answer = await response;
  if (!answer.ok) throw new Error(`the forge sandbox refused ${what}: ${await answer.text()}`);
}

/** Sets the demo repository up unless the sandbox has it already; returns its clone URL. */
export async function ensureDemoForge(settings: DemoForgeSettings): Promise<string> {
  const { githubUrl } = settings;
  const created = await control(githubUrl, 'repos', {
    fullName: demoForge.repo,
    files: { 'README.md': '# Tundra demo\n' },
  });
  if (created.ok) {
    for (const login of [demoForge.bot, demoForge.reviewer])
      await must(control(githubUrl, 'members', { repo: demoForge.repo, login, role: 'write' }), 'a member');
    await must(
      control(githubUrl, 'tokens', { login: demoForge.bot, access: 'write', token: settings.token }),
      'the token',
    );
    await must(
      control(githubUrl, 'hooks', {
        repo: demoForge.repo,
        url: `${settings.ingesterUrl}/webhooks/github`,
        secret: settings.webhookSecret,
      }),
      'the webhook',
    );
  } else if (!(await created.text()).includes('exists already')) {
    throw new Error('the forge sandbox refused the demo repository');
  }
  return `${githubUrl}/${demoForge.repo}.git`;
}
