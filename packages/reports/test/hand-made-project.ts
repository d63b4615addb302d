import type { FieldChange, ItemKind, ProjectData, StatusInfo, TrackedItem } from '../src/model/taiga-data.js';
import type { ReportOptions } from '../src/reports/report-input.js';

/**
 * A small project written by hand, whose figures are worked out in the tests' comments. The period is two whole
 * ISO weeks in UTC: Monday 2026-03-02 to Sunday 2026-03-15.
 */
const status = (
  id: number,
  name: string,
  order: number,
  isClosed = false,
  wipLimit: number | null = null,
): StatusInfo => ({
  id,
  name,
  slug: name.toLowerCase().replaceAll(' ', '-'),
  order,
  isClosed,
  wipLimit,
  color: `#${String(id).padStart(6, '0')}`,
});

export const handMadeStatuses = {
  story: { new: 1, ready: 2, inProgress: 3, readyForTest: 4, done: 5 },
  issue: { new: 11, inProgress: 12, closed: 13 },
  task: { new: 21, inProgress: 22, closed: 23 },
} as const;
const S = handMadeStatuses;

const at = (day: string, time = '00:00') => `2026-${day}T${time}:00.000Z`;
const move = (when: string, from: number, to: number): FieldChange => ({
  at: when,
  field: 'status',
  from,
  to,
});
const block = (when: string, blocked: boolean): FieldChange => ({
  at: when,
  field: 'is_blocked',
  from: !blocked,
  to: blocked,
});

let nextId = 1;
function item(
  kind: ItemKind,
  ref: number,
  created: string,
  statusId: number,
  changes: FieldChange[],
  extra: Partial<TrackedItem> = {},
): TrackedItem {
  return {
    kind,
    id: nextId++,
    ref,
    subject: `${kind} ${ref}`,
    createdAt: created,
    modifiedAt: changes.at(-1)?.at ?? created,
    finishedAt: null,
    statusId,
    isBlocked: false,
    blockedNote: '',
    assignedTo: 7,
    assignedUsers: [],
    typeId: null,
    severityId: null,
    priorityId: null,
    changes,
    ...extra,
  };
}

const issue = (
  ref: number,
  created: string,
  statusId: number,
  changes: FieldChange[],
  typeId: number,
  severityId: number,
  priorityId: number,
) => item('issue', ref, created, statusId, changes, { typeId, severityId, priorityId });

export function handMadeProject(): ProjectData {
  return {
    project: { id: 1, name: 'Hand made', slug: 'hand-made' },
    statuses: {
      userstory: [
        status(S.story.new, 'New', 1),
        status(S.story.ready, 'Ready', 2),
        status(S.story.inProgress, 'In progress', 3, false, 2),
        status(S.story.readyForTest, 'Ready for test', 4),
        status(S.story.done, 'Done', 5, true),
      ],
      issue: [
        status(S.issue.new, 'New', 1),
        status(S.issue.inProgress, 'In progress', 2),
        status(S.issue.closed, 'Closed', 3, true),
      ],
      task: [
        status(S.task.new, 'New', 1),
        status(S.task.inProgress, 'In progress', 2),
        status(S.task.closed, 'Closed', 3, true),
      ],
    },
    issueTypes: [
      { id: 41, name: 'Bug', order: 1, color: '#e44057' },
      { id: 42, name: 'Question', order: 2, color: '#5178d3' },
    ],
    severities: [
      { id: 31, name: 'Minor', order: 2, color: '#40a8e4' },
      { id: 32, name: 'Normal', order: 3, color: '#40e47c' },
      { id: 33, name: 'Critical', order: 5, color: '#d35450' },
    ],
    priorities: [
      { id: 51, name: 'Low', order: 1, color: '#a8e440' },
      { id: 52, name: 'High', order: 5, color: '#e47c40' },
    ],
    users: { '7': 'Alice', '8': 'Bob' },
    items: [
      // US #1: started 03-03 10:00, done 03-05 10:00: cycle 2.0 days, lead (from 02-20) 13.4 days.
      item('userstory', 1, at('02-20'), S.story.done, [
        move(at('03-03', '10:00'), S.story.new, S.story.inProgress),
        move(at('03-05', '10:00'), S.story.inProgress, S.story.done),
      ]),
      // US #2: created 03-03, started 03-04, done 03-10: cycle 6.0, lead 7.0.
      item('userstory', 2, at('03-03'), S.story.done, [
        move(at('03-03', '12:00'), S.story.new, S.story.ready),
        move(at('03-04'), S.story.ready, S.story.inProgress),
        move(at('03-08'), S.story.inProgress, S.story.readyForTest),
        move(at('03-10'), S.story.readyForTest, S.story.done),
      ]),
      // US #3: in progress since 03-09, blocked since 03-12, nobody assigned.
      item(
        'userstory',
        3,
        at('03-01'),
        S.story.inProgress,
        [move(at('03-09'), S.story.new, S.story.inProgress), block(at('03-12'), true)],
        {
          isBlocked: true,
          blockedNote: 'waiting for the API keys',
          assignedTo: null,
        },
      ),
      item('userstory', 4, at('03-10'), S.story.inProgress, [
        move(at('03-11'), S.story.new, S.story.inProgress),
      ]),
      // US #5 is assigned through assigned_users only.
      item(
        'userstory',
        5,
        at('03-11'),
        S.story.inProgress,
        [move(at('03-11', '12:00'), S.story.new, S.story.inProgress)],
        {
          assignedTo: null,
          assignedUsers: [8],
        },
      ),
      item('userstory', 6, at('03-14'), S.story.new, []),
      // Issues: #10 and #11 are bugs closed in the period (1.0 and 7.0 days); #12 is a critical bug open 6.0 days at
      // the end; #13 an old open question; #14 a bug closed before the period.
      issue(
        10,
        at('03-02', '08:00'),
        S.issue.closed,
        [move(at('03-03', '08:00'), S.issue.new, S.issue.closed)],
        41,
        33,
        52,
      ),
      issue(
        11,
        at('03-04'),
        S.issue.closed,
        [
          move(at('03-05'), S.issue.new, S.issue.inProgress),
          move(at('03-11'), S.issue.inProgress, S.issue.closed),
        ],
        41,
        32,
        51,
      ),
      issue(12, at('03-10'), S.issue.new, [], 41, 33, 52),
      issue(13, at('02-01'), S.issue.new, [], 42, 31, 51),
      issue(
        14,
        '2026-01-01T00:00:00.000Z',
        S.issue.closed,
        [move('2026-02-01T00:00:00.000Z', S.issue.new, S.issue.closed)],
        41,
        31,
        51,
      ),
      // Task #20: in progress since 03-02 and unassigned; task #21: new and unassigned.
      item('task', 20, at('03-01'), S.task.inProgress, [move(at('03-02'), S.task.new, S.task.inProgress)], {
        assignedTo: null,
      }),
      item('task', 21, at('03-14'), S.task.new, [], { assignedTo: null }),
    ],
  };
}

export function handMadeOptions(overrides: Partial<ReportOptions> = {}): ReportOptions {
  return {
    project: { id: 'hand-made', name: 'Hand made' },
    period: { since: at('03-02'), until: '2026-03-15T23:59:59.999Z', timeZone: 'UTC' },
    generatedAt: '2026-03-16T08:00:00.000Z',
    ...overrides,
  };
}
