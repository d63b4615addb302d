import { describe, expect, it } from 'vitest';
import { toTrackedItem } from './normalize.js';

describe('Taiga items and history into tracked items', () => {
  it('keeps the changes of tracked fields, oldest first, whatever order the history came in', () => {
    const item = toTrackedItem(
      'issue',
      {
        id: 9,
        ref: 4,
        subject: 'Crash',
        created_date: '2026-03-01T10:00:00.000000Z',
        modified_date: '2026-03-03T10:00:00Z',
        finished_date: null,
        status: 3,
        is_blocked: true,
        blocked_note: 'vendor',
        assigned_to: null,
        type: 1,
        severity: 2,
        priority: 5,
      },
      [
        // Taiga lists history newest first; display-only fields are ignored.
        { created_at: '2026-03-03T10:00:00Z', diff: { status: [2, 3], description_diff: ['', 'x'] } },
        {
          created_at: '2026-03-02T10:00:00Z',
          diff: { status: [1, 2], is_blocked: [false, true], subject: ['a', 'b'] },
        },
      ],
    );
    expect(item).toMatchObject({
      kind: 'issue',
      createdAt: '2026-03-01T10:00:00.000Z',
      severityId: 2,
      assignedUsers: [],
    });
    expect(item.changes).toEqual([
      { at: '2026-03-02T10:00:00.000Z', field: 'status', from: 1, to: 2 },
      { at: '2026-03-02T10:00:00.000Z', field: 'is_blocked', from: false, to: true },
      { at: '2026-03-03T10:00:00.000Z', field: 'status', from: 2, to: 3 },
    ]);
  });

  it('has no issue values on stories and tasks', () => {
    const story = toTrackedItem(
      'userstory',
      {
        id: 1,
        ref: 1,
        subject: 's',
        status: 1,
        is_blocked: false,
        blocked_note: '',
        assigned_to: 3,
        assigned_users: [3, 4],
        finish_date: '2026-03-03T00:00:00Z',
      },
      [],
    );
    expect(story).toMatchObject({
      typeId: null,
      severityId: null,
      assignedUsers: [3, 4],
      finishedAt: '2026-03-03T00:00:00.000Z',
    });
  });
});
