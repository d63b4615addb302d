import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A Taiga webhook capture: the exact signed body and its headers (key `secret123`). */
export interface TaigaCapture {
  headers: Record<string, string>;
  body: string;
  body_json: Record<string, unknown>;
}

export const taigaCaptureKey = 'secret123';

export function taigaCapture(
  name: 'task_create' | 'task_change_status' | 'task_change_comment' | 'test' | 'userstory_change',
) {
  return JSON.parse(readFileSync(join(fixtures, 'taiga', `webhook_${name}.json`), 'utf8')) as TaigaCapture;
}

export function gitlabExample(
  name: 'pipeline_success' | 'merge_request_open' | 'job_created',
): Record<string, unknown> {
  return JSON.parse(readFileSync(join(fixtures, 'gitlab', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
}

interface OctokitExample {
  name: string;
  examples: Record<string, unknown>[];
}

/** GitHub's own example payloads (from @octokit/webhooks-examples) for one event, optionally one action. */
export function githubExamples(event: string, action?: string): Record<string, unknown>[] {
  const all = createRequire(import.meta.url)(
    '@octokit/webhooks-examples/api.github.com/index.json',
  ) as OctokitExample[];
  const examples = all.find((entry) => entry.name === event)?.examples ?? [];
  const picked = action === undefined ? examples : examples.filter((example) => example.action === action);
  if (picked.length === 0) throw new Error(`no GitHub example for ${event} ${action ?? ''}`);
  return structuredClone(picked);
}
