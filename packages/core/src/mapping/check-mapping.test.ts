import { describe, expect, it } from 'vitest';
import { checkMapping } from './check-mapping.js';
import { resolveStatusMapping } from './status-mapping.js';
import { StatusMappingError } from './status-mapping-error.js';
import { statusPatch } from './status-patch.js';

// The slugs of Taiga's default template, as the status endpoints list them (see the captures).
const defaultTaskStatuses = ['new', 'in-progress', 'ready-for-test', 'closed', 'needs-info'].map((slug) => ({
  slug,
}));
const defaultStoryStatuses = ['new', 'ready', 'in-progress', 'ready-for-test', 'done', 'archived'].map(
  (slug) => ({
    slug,
  }),
);
const tundraStatuses = [
  'pending',
  'in_progress',
  'completed',
  'blocked',
  'approved',
  'rejected',
  'canceled',
].map((slug) => ({ slug }));

describe('checkMapping', () => {
  it('finds nothing wrong with a preset on the statuses it was made for', () => {
    expect(
      checkMapping('acme', { preset: 'taiga-default' }, defaultTaskStatuses, defaultStoryStatuses),
    ).toEqual([]);
    expect(checkMapping('acme', { preset: 'tundra' }, tundraStatuses, tundraStatuses)).toEqual([]);
  });

  it('names the project, the missing slug, its use and the statuses that exist', () => {
    const problems = checkMapping('acme', { preset: 'tundra' }, defaultTaskStatuses, defaultStoryStatuses);
    const approved = problems.find((problem) => problem.kind === 'task' && problem.slug === 'approved');
    expect(approved).toMatchObject({ projectId: 'acme', usedFor: ['approve'] });
    expect(approved?.message).toContain(
      "project acme: the task status mapping (preset 'tundra') uses slug 'approved'",
    );
    expect(approved?.message).toContain('it has: new, in-progress, ready-for-test, closed, needs-info');
    const inProgress = problems.find(
      (problem) => problem.kind === 'userStory' && problem.slug === 'in_progress',
    );
    expect(inProgress?.usedFor).toEqual(['planning', 'planned', 'running', 'in_review']);
  });

  it('checks overrides', () => {
    const problems = checkMapping(
      'acme',
      { preset: 'taiga-default', task: { needs_qa: 'in-review' } },
      defaultTaskStatuses,
      defaultStoryStatuses,
    );
    expect(problems.map((problem) => [problem.kind, problem.slug])).toEqual([['task', 'in-review']]);
  });

  it('accepts a resolved mapping', () => {
    const mapping = resolveStatusMapping({ preset: 'taiga-default' });
    expect(checkMapping('acme', mapping, [], defaultStoryStatuses).length).toBeGreaterThan(0);
  });

  it('makes an error whose message lists every problem', () => {
    const problems = checkMapping('acme', { preset: 'tundra' }, [], []);
    const error = new StatusMappingError(problems);
    expect(error.retryable).toBe(false);
    expect(error.message.split('\n')).toHaveLength(problems.length);
    expect(error.message).toContain('(none)');
  });
});

describe('statusPatch', () => {
  const statuses = [
    { id: 1, slug: 'new' },
    { id: 5, slug: 'needs-info' },
  ];
  const context = { projectId: 'acme', kind: 'task' } as const;

  it('sends only what differs', () => {
    const current = { status: 1, is_blocked: false, blocked_note: '' };
    expect(
      statusPatch(
        current,
        { statusSlug: 'needs-info', isBlocked: true, blockedNote: 'why' },
        statuses,
        context,
      ),
    ).toEqual({ status: 5, is_blocked: true, blocked_note: 'why' });
    expect(
      statusPatch(current, { statusSlug: 'new', isBlocked: false, blockedNote: '' }, statuses, context),
    ).toBeNull();
  });

  it('clears the block when leaving blocked', () => {
    const current = { status: 5, is_blocked: true, blocked_note: 'why' };
    expect(
      statusPatch(current, { statusSlug: 'new', isBlocked: false, blockedNote: '' }, statuses, context),
    ).toEqual({
      status: 1,
      is_blocked: false,
      blocked_note: '',
    });
  });

  it('throws a StatusMappingError for an unknown slug', () => {
    const current = { status: 1, is_blocked: false, blocked_note: '' };
    expect(() =>
      statusPatch(current, { statusSlug: 'gone', isBlocked: false, blockedNote: '' }, statuses, context),
    ).toThrow(StatusMappingError);
  });
});
