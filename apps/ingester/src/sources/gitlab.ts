import { z } from 'zod';
import { type CiEvent, IgnoreReason, type Normalised, Source } from '../ingest/ingest-event.js';
import { boundedLabel, checkShape, isoTime } from './shape.js';

/** `X-Gitlab-Event` header → the label the ingester uses; any other hook is acknowledged and dropped. */
export const gitlabEvents = {
  'Pipeline Hook': 'pipeline',
  'Merge Request Hook': 'merge_request',
  'Job Hook': 'job',
  'Note Hook': 'note',
} as const;

const Project = z.looseObject({
  path_with_namespace: z.string().min(1),
  web_url: z.string().nullish(),
  git_http_url: z.string().nullish(),
  git_ssh_url: z.string().nullish(),
});
const User = z.looseObject({ id: z.number().int(), username: z.string().nullish() }).nullish();

const Pipeline = z.looseObject({
  object_kind: z.literal('pipeline'),
  user: User,
  project: Project,
  object_attributes: z.looseObject({
    id: z.number().int(),
    ref: z.string().min(1),
    tag: z.boolean().nullish(),
    sha: z.string().min(1),
    status: z.string(),
    url: z.string().nullish(),
    finished_at: z.string().nullish(),
  }),
});
const Job = z.looseObject({
  object_kind: z.literal('build'),
  ref: z.string().min(1),
  tag: z.boolean().nullish(),
  sha: z.string().min(1),
  build_id: z.number().int(),
  build_status: z.string(),
  build_finished_at: z.string().nullish(),
  build_finished_at_iso: z.string().nullish(),
  user: User,
  project: Project,
});
const MergeRequest = z.looseObject({
  object_kind: z.literal('merge_request'),
  user: User,
  project: Project,
  object_attributes: z.looseObject({
    action: z.string().nullish(),
    state: z.string().nullish(),
    source_branch: z.string().min(1),
    url: z.string().nullish(),
    updated_at: z.string().nullish(),
    last_commit: z.looseObject({ id: z.string() }).nullish(),
    merge_commit_sha: z.string().nullish(),
  }),
});

const Note = z.looseObject({
  object_kind: z.literal('note'),
  user: User,
  project: Project,
  object_attributes: z.looseObject({
    noteable_type: z.string(),
    position: z.unknown().optional(),
    created_at: z.string().nullish(),
    system: z.boolean().nullish(),
  }),
  merge_request: z.looseObject({ iid: z.number().int().positive(), source_branch: z.string() }).nullish(),
});

function outcomeOf(status: string): 'success' | 'failure' | null {
  if (status === 'success') return 'success';
  if (status === 'failed') return 'failure';
  return null;
}

function ciEvent(
  kind: string,
  payload: { user?: z.infer<typeof User>; project: z.infer<typeof Project> },
  fields: Pick<CiEvent, 'outcome' | 'branch' | 'sha' | 'url' | 'mergeCommitSha' | 'feedback'> & {
    at: string | null | undefined;
  },
  receivedAt: Date,
): Normalised {
  const project = payload.project;
  return {
    kind: 'event',
    event: {
      source: Source.GitLab,
      kind,
      outcome: fields.outcome,
      repository: project.path_with_namespace,
      repositoryAliases: [
        project.path_with_namespace,
        project.web_url,
        project.git_http_url,
        project.git_ssh_url,
      ].filter((v): v is string => !!v),
      projectHint: null,
      branch: fields.branch,
      sha: fields.sha,
      url: fields.url,
      ...(fields.mergeCommitSha ? { mergeCommitSha: fields.mergeCommitSha } : {}),
      ...(fields.feedback ? { feedback: fields.feedback } : {}),
      actor: { id: payload.user ? String(payload.user.id) : null, username: payload.user?.username ?? null },
      at: isoTime(fields.at, receivedAt),
    },
  };
}

/** Normalises a verified GitLab webhook (`event` = the `X-Gitlab-Event` header). Pure. */
export function normaliseGitlab(event: string, body: unknown, receivedAt: Date): Normalised {
  const label = boundedLabel(
    gitlabEvents[event as keyof typeof gitlabEvents] ?? 'other',
    Object.values(gitlabEvents),
  );
  const ignored = (reason: IgnoreReason): Normalised => ({ kind: 'ignored', label, reason });
  switch (label) {
    case 'pipeline': {
      const parsed = checkShape(Pipeline, body);
      if (!parsed.ok) return parsed.invalid;
      const pipeline = parsed.data.object_attributes;
      const outcome = outcomeOf(pipeline.status);
      if (!outcome) return ignored(IgnoreReason.NotFinished);
      if (pipeline.tag) return ignored(IgnoreReason.NoBranch);
      const url =
        pipeline.url ??
        (parsed.data.project.web_url ? `${parsed.data.project.web_url}/-/pipelines/${pipeline.id}` : null);
      return ciEvent(
        label,
        parsed.data,
        { outcome, branch: pipeline.ref, sha: pipeline.sha, url, at: pipeline.finished_at },
        receivedAt,
      );
    }
    case 'job': {
      const parsed = checkShape(Job, body);
      if (!parsed.ok) return parsed.invalid;
      const job = parsed.data;
      const outcome = outcomeOf(job.build_status);
      if (!outcome) return ignored(IgnoreReason.NotFinished);
      if (job.tag) return ignored(IgnoreReason.NoBranch);
      const url = job.project.web_url ? `${job.project.web_url}/-/jobs/${job.build_id}` : null;
      const at = job.build_finished_at_iso ?? job.build_finished_at;
      return ciEvent(label, job, { outcome, branch: job.ref, sha: job.sha, url, at }, receivedAt);
    }
    case 'merge_request': {
      const parsed = checkShape(MergeRequest, body);
      if (!parsed.ok) return parsed.invalid;
      const mr = parsed.data.object_attributes;
      if (mr.action !== 'merge' && mr.action !== 'close') return ignored(IgnoreReason.NotMerged);
      return ciEvent(
        label,
        parsed.data,
        {
          outcome: mr.action === 'merge' ? 'merged' : 'closed',
          mergeCommitSha: mr.action === 'merge' ? (mr.merge_commit_sha ?? null) : null,
          branch: mr.source_branch,
          sha: mr.last_commit?.id ?? null,
          url: mr.url ?? null,
          at: mr.updated_at,
        },
        receivedAt,
      );
    }
    case 'note': {
      const parsed = checkShape(Note, body);
      if (!parsed.ok) return parsed.invalid;
      const note = parsed.data.object_attributes;
      const mr = parsed.data.merge_request;
      if (note.noteable_type !== 'MergeRequest' || !mr) return ignored(IgnoreReason.NotPullRequest);
      if (note.system) return ignored(IgnoreReason.Action);
      return ciEvent(
        label,
        parsed.data,
        {
          outcome: 'feedback',
          branch: mr.source_branch,
          sha: null,
          url: null,
          feedback: {
            // A note with a position is a diff note: GitLab's review comment on a line.
            kind: note.position ? 'review_comment' : 'comment',
            number: mr.iid,
            author: parsed.data.user?.username ?? '',
          },
          at: note.created_at,
        },
        receivedAt,
      );
    }
    case 'other':
      return ignored(IgnoreReason.EventType);
    default: {
      const unreachable: never = label;
      throw new Error(`unhandled GitLab event ${String(unreachable)}`);
    }
  }
}
