import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CiEvent, TaigaItemEvent } from './ingest-event.js';
import { jobIdFor, type RouteContext, route, routingTable } from './routing.js';

const bot = { username: 'taiga-bot', userId: 9 };
const ctx = (overrides: Partial<RouteContext> = {}): RouteContext => ({
  bot,
  trigger: { onBotAssignment: true, statusSlugs: ['ready-for-agent'] },
  ciProjects: [],
  ...overrides,
});

function taiga(overrides: Partial<TaigaItemEvent> = {}): TaigaItemEvent {
  return {
    source: 'taiga',
    kind: 'userstory.change',
    projectId: 'demo',
    action: 'change',
    item: { type: 'userstory', id: 42, ref: 7 },
    status: { slug: 'new', name: 'New' },
    assignees: { ids: [], usernames: [] },
    statusChange: null,
    assignmentChanged: false,
    commented: false,
    unblocked: false,
    actor: { id: '5', username: 'alice' },
    at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const ciEvent: CiEvent = {
  source: 'github',
  kind: 'workflow_run',
  outcome: 'failure',
  repository: 'acme/widgets',
  repositoryAliases: ['acme/widgets'],
  projectHint: null,
  branch: 'tundra/run-1',
  sha: 'abc1234',
  url: null,
  actor: { id: null, username: null },
  at: '2026-01-01T00:00:00.000Z',
};

const botAssigned = { assignees: { ids: [9], usernames: ['taiga-bot'] } };
const rules = (event: Parameters<typeof route>[0], context = ctx()) =>
  route(event, context).map((intent) => `${intent.rule}:${intent.job}`);

describe('routing table', () => {
  it.each([
    [
      'a story created assigned to the bot',
      taiga({ action: 'create', ...botAssigned }),
      ['bot_assignment:run.start'],
    ],
    [
      'a change that assigns the bot',
      taiga({ assignmentChanged: true, ...botAssigned }),
      ['bot_assignment:run.start', 'human_change:taiga.item_changed'],
    ],
    [
      'a change elsewhere while the bot is assigned',
      taiga({ statusChange: { from: 'New', to: 'In progress' }, ...botAssigned }),
      ['human_change:taiga.item_changed'],
    ],
    [
      "an assignment to someone else (which pauses a tracked item's run)",
      taiga({ assignmentChanged: true, assignees: { ids: [3], usernames: ['bob'] } }),
      ['human_change:taiga.item_changed'],
    ],
    [
      'the bot assigned by id only (assigned_users)',
      taiga({ assignmentChanged: true, assignees: { ids: [9], usernames: [] } }),
      ['bot_assignment:run.start', 'human_change:taiga.item_changed'],
    ],
    [
      'a move into the trigger status',
      taiga({
        status: { slug: 'ready-for-agent', name: 'Ready for agent' },
        statusChange: { from: 'New', to: 'Ready for agent' },
      }),
      ['trigger_status:run.start', 'human_change:taiga.item_changed'],
    ],
    [
      'a task created in the trigger status',
      taiga({ action: 'create', status: { slug: 'ready-for-agent', name: 'R' } }),
      ['trigger_status:run.start'],
    ],
    [
      'a story both created in the trigger status and assigned to the bot: one job',
      taiga({ action: 'create', status: { slug: 'ready-for-agent', name: 'R' }, ...botAssigned }),
      ['bot_assignment:run.start'],
    ],
    [
      'a status move elsewhere',
      taiga({ statusChange: { from: 'New', to: 'Done' } }),
      ['human_change:taiga.item_changed'],
    ],
    ['a comment', taiga({ commented: true }), ['human_change:taiga.item_changed']],
    ['a cleared blocked flag', taiga({ unblocked: true }), ['human_change:taiga.item_changed']],
    ['a deleted story', taiga({ action: 'delete' }), ['human_change:taiga.item_changed']],
    ['a rename', taiga(), []],
    ['a CI event for no project', ciEvent, []],
  ])('%s', (_name, event, expected) => {
    expect(rules(event)).toEqual(expected);
  });

  it('starts nothing on bot assignment when the project turned it off', () => {
    const trigger = { onBotAssignment: false, statusSlugs: [] };
    expect(rules(taiga({ action: 'create', ...botAssigned }), ctx({ trigger }))).toEqual([]);
  });

  it('never routes a status move made by the bot', () => {
    expect(rules(taiga({ statusChange: { from: 'a', to: 'b' }, actor: { id: '9', username: 'x' } }))).toEqual(
      [],
    );
  });

  it('marks only the item_changed job as needing a tracked item', () => {
    const intents = route(
      taiga({ status: { slug: 'ready-for-agent', name: 'R' }, statusChange: { from: 'a', to: 'R' } }),
      ctx(),
    );
    expect(intents.map((i) => [i.job, i.requiresTracked])).toEqual([
      ['run.start', false],
      ['taiga.item_changed', true],
    ]);
    expect(intents[1]?.payload).toEqual({
      projectId: 'demo',
      taigaItem: { type: 'userstory', id: 42, ref: 7 },
      byUserId: 5,
      statusFrom: 'a',
      statusTo: 'ready-for-agent',
      commented: false,
      deleted: false,
      unblocked: false,
    });
  });

  it('sends a CI result to every project using the repository, with deterministic job ids', () => {
    const intents = route(ciEvent, ctx({ ciProjects: ['demo', 'other'] }));
    expect(intents.map((i) => i.payload)).toEqual([
      {
        projectId: 'demo',
        repository: 'acme/widgets',
        branch: 'tundra/run-1',
        sha: 'abc1234',
        outcome: 'failure',
        url: null,
      },
      {
        projectId: 'other',
        repository: 'acme/widgets',
        branch: 'tundra/run-1',
        sha: 'abc1234',
        outcome: 'failure',
        url: null,
      },
    ]);
    expect(intents.map((i) => jobIdFor(i, '1700000000000-0'))).toEqual([
      'ci.result-demo-1700000000000-0',
      'ci.result-other-1700000000000-0',
    ]);
  });

  it('is the table docs/architecture.md shows', () => {
    const docs = readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/architecture.md'),
      'utf8',
    );
    for (const rule of routingTable) {
      expect(docs).toContain(`| \`${rule.id}\` | ${rule.sources.join(', ')} | \`${rule.job}\``);
    }
  });
});
