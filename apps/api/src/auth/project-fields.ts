import type { Project, ProjectSpec } from '@tundra/core';
import type { Principal } from './principal.js';

/** Who may change a project field through `PATCH /projects/{id}`. */
export const FieldChange = {
  /** The admin token and the project's own tokens. */
  ProjectToken: 'project token',
  Admin: 'admin',
  /** Fixed when the project is registered. */
  Nobody: 'nobody',
} as const;
export type FieldChange = (typeof FieldChange)[keyof typeof FieldChange];

/** What stands in for a masked value. */
export const masked = '***';

interface FieldPolicy<F extends keyof ProjectSpec> {
  change: FieldChange;
  /** What a project token reads instead of the stored value; absent when it reads the value as stored. */
  mask?: (value: ProjectSpec[F]) => ProjectSpec[F];
  /** What is masked, in words, for the audit table; absent when nothing is. */
  masks?: string;
  /** Why, for the audit table in docs/api.md. */
  why: string;
}

/** A command's argv and a preset's extra arguments can carry a token: both are masked whole. */
const maskCommand = <T extends { kind: string; command?: string[]; extraArgs?: string[] }>(config: T): T => {
  const view: T = config.command ? { ...config, command: [masked] } : config;
  return view.extraArgs ? { ...view, extraArgs: [masked] } : view;
};

/** A URL's password (or a lone user name, which is how tokens are often passed) masked; other remotes as they are. */
export function maskUrlCredentials(remote: string): string {
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return remote;
  }
  if (!url.username && !url.password) return remote;
  // `git@host:path` has no scheme and never reaches here; `ssh://git@host/path` names a user, not a secret.
  if (url.password) url.password = masked;
  else if (url.protocol !== 'ssh:') url.username = masked;
  return url.href;
}

/**
 * The audit of every project field: who may change it and what a project token reads. A field that executes code
 * (commands), names a secret or an environment variable, decides where code is fetched from and pushed to, or sets
 * the shared executors' limits is the admin's; a project token reads such a field masked where it can hold a
 * secret. A new field of `ProjectSpec` does not compile until it is listed here (and in docs/api.md, which a test
 * checks against this table).
 */
export const projectFieldPolicy: { [F in keyof ProjectSpec]-?: FieldPolicy<F> } = {
  id: { change: FieldChange.Nobody, why: 'the key in URLs, Redis keys and branch names' },
  name: { change: FieldChange.ProjectToken, why: 'a label for people' },
  taiga: {
    change: FieldChange.Admin,
    mask: (taiga) => ({ ...taiga, webhookSecretRef: masked }),
    masks: '`webhookSecretRef`',
    why: 'names the environment variable that holds the webhook key, and which Taiga project the bot works in',
  },
  repository: {
    change: FieldChange.Admin,
    mask: (repository) => ({
      ...repository,
      url: maskUrlCredentials(repository.url),
      pushRemote: repository.pushRemote === null ? null : maskUrlCredentials(repository.pushRemote),
    }),
    masks: 'credentials in `url`/`pushRemote`',
    why: 'where the executor fetches code and pushes commits with its credentials; a URL may carry a token',
  },
  trigger: { change: FieldChange.ProjectToken, why: "which moves on the project's own board start a run" },
  statusMapping: { change: FieldChange.ProjectToken, why: "the project's own board statuses" },
  planEngine: {
    change: FieldChange.Admin,
    mask: maskCommand,
    masks: '`command`, `extraArgs`',
    why: "a `command`, or a coding agent with its arguments, runs on the planner's host",
  },
  execEngine: {
    change: FieldChange.Admin,
    mask: maskCommand,
    masks: '`command`, `extraArgs`',
    why: "its command, or the coding agent with its tool policy and arguments, runs on the executor's host",
  },
  qaPolicy: {
    change: FieldChange.Admin,
    mask: maskCommand,
    masks: '`command`',
    why: "a `command` runs on the QA app's host",
  },
  waitForMerge: { change: FieldChange.ProjectToken, why: "when the project's own runs complete" },
  planApproval: {
    change: FieldChange.ProjectToken,
    why: "whether the project's own plans wait for a person's `/tundra go`",
  },
  stateTags: { change: FieldChange.ProjectToken, why: "tags on the project's own stories" },
  delivery: {
    change: FieldChange.Admin,
    mask: (delivery) => (delivery?.kind === 'pull-request' ? { ...delivery, tokenRef: masked } : delivery),
    masks: '`tokenRef`',
    why: 'names the environment variable that holds the forge token, and the repository Tundra pushes to and opens pull requests on with it',
  },
  limits: {
    change: FieldChange.Admin,
    why: 'how much of the shared executors and of their time the project may take',
  },
  models: {
    change: FieldChange.Admin,
    why: 'which models steps may run with, on the API keys of the executor hosts',
  },
  budgets: {
    change: FieldChange.Admin,
    why: 'how much the project may spend on the API keys of the executor hosts',
  },
  secretEnv: {
    change: FieldChange.Admin,
    why: "names environment variables of the executor's host whose values are masked",
  },
  reports: {
    change: FieldChange.Admin,
    why: 'names the environment variable that holds the Slack webhook URL, and where the reporter writes files on its host',
  },
};

/** The fields of a change that the principal may not make, in the order given. */
export function fieldsDenied(principal: Principal, fields: readonly string[]): string[] {
  if (principal.kind === 'admin') return [];
  return fields.filter(
    (field) => projectFieldPolicy[field as keyof ProjectSpec]?.change !== FieldChange.ProjectToken,
  );
}

/** A project as the principal may read it: the admin sees it as stored, a project token with secrets masked. */
export function projectView(project: Project, principal: Principal): Project {
  if (principal.kind === 'admin') return project;
  const view: Record<string, unknown> = { ...project };
  for (const [field, policy] of Object.entries(projectFieldPolicy)) {
    const mask = policy.mask as ((value: unknown) => unknown) | undefined;
    if (mask) view[field] = mask(view[field]);
  }
  return view as Project;
}
