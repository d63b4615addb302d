import type { ExceptionRule } from '@tundra/core';
import type { Cell, Report, RuleFiring } from '../model/report.js';
import type { ProjectData, TrackedItem } from '../model/taiga-data.js';
import { closedAt, statusAt } from '../timeline/item-state.js';
import { statusMap } from '../timeline/statuses.js';
import { openItems } from './aging.js';
import { count, days, itemLabel, type ReportOptions } from './report-input.js';

/** The rule as people read it. */
export function describeRule(rule: ExceptionRule): string {
  switch (rule.kind) {
    case 'blocked-longer-than':
      return `an item blocked for more than ${count(rule.days, 'day')}`;
    case 'wip-over-limit':
      return 'a user story status holding more stories than its WIP limit';
    case 'issue-open-longer-than':
      return `an issue of severity ${rule.severity} open for more than ${count(rule.days, 'day')}`;
    default: {
      const exhaustive: never = rule;
      throw new Error(`unknown rule ${JSON.stringify(exhaustive)}`);
    }
  }
}

const listed = (items: RuleFiring['items']) =>
  items
    .slice(0, 5)
    .map((item) => `${item.label} (${item.detail})`)
    .join(', ') + (items.length > 5 ? `, and ${items.length - 5} more` : '');

function evaluate(
  data: ProjectData,
  rule: ExceptionRule,
  at: string,
  startStatus?: string,
): RuleFiring | null {
  let items: RuleFiring['items'] = [];
  let reason = '';
  switch (rule.kind) {
    case 'blocked-longer-than': {
      items = openItems(data, at, startStatus)
        .filter((entry) => (entry.blockedDays ?? 0) > rule.days)
        .sort((a, b) => (b.blockedDays ?? 0) - (a.blockedDays ?? 0))
        .map((entry) => ({
          label: itemLabel(entry.item),
          subject: entry.item.subject,
          detail: `blocked ${entry.blockedDays} days${entry.item.blockedNote ? `: ${entry.item.blockedNote}` : ''}`,
        }));
      reason = `${count(items.length, 'item')} blocked for more than ${count(rule.days, 'day')}: ${listed(items)}.`;
      break;
    }
    case 'wip-over-limit': {
      const statuses = statusMap(data.statuses.userstory);
      const counts = new Map<number, TrackedItem[]>();
      for (const story of data.items) {
        if (story.kind !== 'userstory' || story.createdAt > at || closedAt(story, statuses, at) !== null)
          continue;
        const status = statusAt(story, at) ?? story.statusId;
        counts.set(status, [...(counts.get(status) ?? []), story]);
      }
      const over = [...statuses.values()].flatMap((status) => {
        const limit = rule.limits?.[status.slug] ?? status.wipLimit;
        const stories = counts.get(status.id) ?? [];
        return limit !== null && limit !== undefined && stories.length > limit
          ? [{ status, limit, stories }]
          : [];
      });
      items = over.flatMap(({ status, limit, stories }) =>
        stories.map((story) => ({
          label: itemLabel(story),
          subject: story.subject,
          detail: `in ${status.name}, which holds ${stories.length} of ${limit}`,
        })),
      );
      reason = over
        .map(
          ({ status, limit, stories }) =>
            `${status.name} holds ${count(stories.length, 'story', 'stories')}, over its limit of ${limit}.`,
        )
        .join(' ');
      break;
    }
    case 'issue-open-longer-than': {
      const severity = data.severities.find(
        (value) => value.name.toLowerCase() === rule.severity.toLowerCase(),
      );
      const statuses = statusMap(data.statuses.issue);
      items = data.items
        .filter(
          (item) =>
            item.kind === 'issue' &&
            severity !== undefined &&
            item.severityId === severity.id &&
            item.createdAt <= at &&
            closedAt(item, statuses, at) === null &&
            days(item.createdAt, at) > rule.days,
        )
        .map((item) => ({
          label: itemLabel(item),
          subject: item.subject,
          detail: `open ${days(item.createdAt, at)} days`,
        }));
      reason = `${count(items.length, `${rule.severity} issue`)} open for more than ${count(rule.days, 'day')}: ${listed(items)}.`;
      break;
    }
    default: {
      const exhaustive: never = rule;
      throw new Error(`unknown rule ${JSON.stringify(exhaustive)}`);
    }
  }
  return items.length === 0 ? null : { rule: rule.kind, description: describeRule(rule), reason, items };
}

/** The firings of the project's rules at `at`, in the order the rules are configured. */
export function evaluateRules(
  data: ProjectData,
  rules: readonly ExceptionRule[],
  at: string,
  startStatus?: string,
): RuleFiring[] {
  return rules.flatMap((rule) => evaluate(data, rule, at, startStatus) ?? []);
}

/**
 * The exception report: what the project's rules find at the end of the period. Nothing fired means nothing to
 * post; each firing says which rule and why.
 */
export function exceptionsReport(data: ProjectData, options: ReportOptions): Report {
  const firings = evaluateRules(data, options.rules ?? [], options.period.until, options.startStatus);
  const rows: Record<string, Cell>[] = firings.flatMap((firing) =>
    firing.items.map((item) => ({
      rule: firing.rule,
      item: item.label,
      subject: item.subject,
      detail: item.detail,
    })),
  );
  return {
    kind: 'exceptions',
    title: `Exceptions — ${options.project.name}`,
    project: options.project,
    period: options.period,
    generatedAt: options.generatedAt,
    summary:
      firings.length === 0
        ? [`No rule fired (${count(options.rules?.length ?? 0, 'rule')} checked).`]
        : firings.map((firing) => `Rule "${firing.description}" fired. ${firing.reason}`),
    sections: firings.map((firing) => ({
      title: `Rule: ${firing.description}`,
      lines: [firing.reason],
      tables: [],
      charts: [],
    })),
    rowsTable: 'firings',
    tables: [
      {
        name: 'firings',
        title: 'What the rules found',
        columns: [
          { key: 'rule', label: 'Rule' },
          { key: 'item', label: 'Item' },
          { key: 'subject', label: 'Subject' },
          { key: 'detail', label: 'Why' },
        ],
        rows,
      },
    ],
    charts: [],
    firings,
    notes: [],
  };
}
