import { describe, expect, it } from 'vitest';
import { diffSnapshots, fieldsModifiedByLastEntries, jsonbOrdered, valuesDiff } from './history.js';
import { type HistoryEntryRecord, HistoryType } from './types.js';

function entry(
  diff: HistoryEntryRecord['diff'],
  values: HistoryEntryRecord['values'] = {},
): HistoryEntryRecord {
  return {
    id: 'e',
    projectId: 1,
    key: 'tasks.task:1',
    type: HistoryType.change,
    userId: 1,
    userName: 'Admin',
    createdAt: new Date(0),
    diff,
    snapshot: null,
    values,
    comment: '',
    commentHtml: '',
    deleteCommentDate: null,
    deleteCommentUser: null,
    commentVersions: null,
    isHidden: false,
    editCommentDate: null,
  };
}

describe('history', () => {
  it('orders keys as PostgreSQL jsonb does: shorter first, then bytewise', () => {
    expect(Object.keys(jsonbOrdered({ kanban_order: 1, subject: 2, status: 3, tags: 4 }))).toEqual([
      'tags',
      'status',
      'subject',
      'kanban_order',
    ]);
  });

  it('diffs snapshots field by field', () => {
    expect(
      diffSnapshots({ status: 1, subject: 'a', tags: [] }, { status: 2, subject: 'a', tags: ['x'] }),
    ).toEqual({
      tags: [[], ['x']],
      status: [1, 2],
    });
  });

  it('resolves ids to display values and text to html diffs', () => {
    const resolved = valuesDiff(
      entry(
        { status: [1, 2], assigned_to: [null, 5], description: ['old', 'new'], is_blocked: [false, true] },
        { status: { '1': 'New', '2': 'In progress' }, users: { '5': 'Taiga Bot' } },
      ),
    );
    expect(resolved).toEqual({
      status: ['New', 'In progress'],
      is_blocked: [false, true],
      assigned_to: [null, 'Taiga Bot'],
      description_diff: [
        null,
        '<del style="background:#ffe6e6;">old</del><ins style="background:#e6ffe6;">new</ins>',
      ],
    });
  });

  it('collects the fields the last n entries changed', () => {
    const entries = [entry({}), entry({ status: [1, 2] }), entry({}), entry({ subject: ['a', 'b'] })];
    expect([...fieldsModifiedByLastEntries(entries, 2)]).toEqual(['subject']);
    expect([...fieldsModifiedByLastEntries(entries, 3)].sort()).toEqual(['status', 'subject']);
    expect(fieldsModifiedByLastEntries(entries, 0).size).toBe(0);
  });
});
