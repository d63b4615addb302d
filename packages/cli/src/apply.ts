import { parseAllDocuments } from 'yaml';
import type { ApiClient } from './api-client.js';
import { ApiRequestError, usageError } from './errors.js';

/** What `PUT /projects/{id}/taiga-webhook` answered, or why it could not be asked. */
export type WebhookOutcome =
  | {
      state: 'created' | 'updated' | 'unchanged' | 'manual';
      taigaWebhookId: number | null;
      url: string | null;
      reason: string | null;
      steps: string[];
    }
  | { state: 'failed'; reason: string };

export type ApplyResult =
  | { id: string; result: 'created' | 'updated' | 'unchanged'; version: number; webhook?: WebhookOutcome }
  | { id: string; result: 'failed'; error: ApiRequestError };

type ProjectDocument = Record<string, unknown> & { id: string };

/**
 * The projects a file declares: one YAML document per project, a list of them, or `{projects: [...]}`. Each needs
 * an `id`; the API validates the rest.
 */
export function readProjectsFile(text: string, file: string): ProjectDocument[] {
  const documents = parseAllDocuments(text);
  const projects: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    if (document.errors.length > 0) {
      throw usageError(`${file}: not valid YAML: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) projects.push(...value);
    else if (typeof value === 'object' && 'projects' in value)
      projects.push(...((value as { projects: unknown[] }).projects ?? []));
    else projects.push(value);
  }
  return projects.map((project, index) => {
    if (
      typeof project !== 'object' ||
      project === null ||
      typeof (project as { id?: unknown }).id !== 'string'
    ) {
      throw usageError(`${file}: project #${index + 1} has no id`);
    }
    return project as ProjectDocument;
  });
}

async function find(api: ApiClient, id: string): Promise<{ version: number } | null> {
  try {
    return (await api.request('GET', `/projects/${encodeURIComponent(id)}`)).project;
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 404) return null;
    throw error;
  }
}

/** Creates or verifies the project's webhook in Taiga; a refusal is reported, not thrown. */
async function registerWebhook(api: ApiClient, id: string): Promise<WebhookOutcome> {
  try {
    return (await api.request('PUT', `/projects/${encodeURIComponent(id)}/taiga-webhook`)).webhook;
  } catch (error) {
    if (!(error instanceof ApiRequestError)) throw error;
    return { state: 'failed', reason: error.message };
  }
}

/**
 * Applies each project: registers it when absent, else patches it at the version just read (the API writes
 * nothing when the settings are the same, so applying the same file twice changes nothing), then creates or
 * verifies its webhook in Taiga unless `webhooks` is false. A project that fails does not stop the others.
 */
export async function applyProjects(
  api: ApiClient,
  projects: readonly ProjectDocument[],
  options: { webhooks: boolean } = { webhooks: true },
): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const { id, ...settings } of projects) {
    try {
      const current = await find(api, id);
      let applied: { result: 'created' | 'updated' | 'unchanged'; version: number };
      if (!current) {
        const created = await api.request('POST', '/projects', { body: { id, ...settings } });
        applied = { result: 'created', version: created.project.version };
      } else {
        const patched = await api.request('PATCH', `/projects/${encodeURIComponent(id)}`, {
          body: settings,
          headers: { 'if-match': `"${current.version}"` },
        });
        applied = { result: patched.changed ? 'updated' : 'unchanged', version: patched.project.version };
      }
      results.push({
        id,
        ...applied,
        ...(options.webhooks ? { webhook: await registerWebhook(api, id) } : {}),
      });
    } catch (error) {
      if (!(error instanceof ApiRequestError)) throw error;
      results.push({ id, result: 'failed', error });
    }
  }
  return results;
}
