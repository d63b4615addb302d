import { ProjectId } from '@tundra/core';
import { z } from 'zod';
import type { Normalised } from '../ingest/ingest-event.js';
import { Source } from '../ingest/ingest-event.js';
import { checkShape, isoTime } from './shape.js';

/**
 * What `scripts/ci/report.sh` posts to `POST /webhooks/ci`. `project` is optional: without it the repository is
 * matched against the projects' `repository.url`, as for the forges' webhooks.
 */
export const CiCallbackBody = z.strictObject({
  status: z.enum(['success', 'failure']),
  repository: z.string().min(1).max(500),
  branch: z.string().min(1).max(500),
  sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/i, 'a hex commit SHA')
    .nullish(),
  url: z.string().max(2000).nullish(),
  job: z.string().max(200).nullish(),
  provider: z.string().max(50).nullish(),
  project: ProjectId.nullish(),
  actor: z.string().max(200).nullish(),
  at: z.string().max(64).nullish(),
});
export type CiCallbackBody = z.infer<typeof CiCallbackBody>;

/** Normalises a verified CI callback. Pure. */
export function normaliseCiCallback(body: unknown, receivedAt: Date): Normalised {
  const parsed = checkShape(CiCallbackBody, body);
  if (!parsed.ok) return parsed.invalid;
  const callback = parsed.data;
  return {
    kind: 'event',
    event: {
      source: Source.Ci,
      kind: 'callback',
      outcome: callback.status,
      repository: callback.repository,
      repositoryAliases: [callback.repository],
      projectHint: callback.project ?? null,
      branch: callback.branch,
      sha: callback.sha ?? null,
      url: callback.url ?? null,
      actor: { id: null, username: callback.actor ?? null },
      at: isoTime(callback.at, receivedAt),
    },
  };
}
