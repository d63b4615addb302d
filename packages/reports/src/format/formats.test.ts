import { describe, expect, it } from 'vitest';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { bugFlowReport } from '../reports/bug-flow.js';
import { toCsv } from './csv.js';
import { toHtml } from './html.js';
import { toJson } from './json.js';
import { toMarkdown } from './markdown.js';

const report = bugFlowReport(handMadeProject(), handMadeOptions());

describe('report formats', () => {
  it('csv holds the raw rows, quoted as RFC 4180 says', () => {
    const withComma = {
      ...report,
      tables: report.tables.map((table) =>
        table.name === 'issues'
          ? { ...table, rows: [{ ...table.rows[0], subject: 'a "quoted", subject' }] }
          : table,
      ),
    };
    const csv = toCsv(withComma);
    expect(csv.split('\r\n')[0]).toBe(
      'ref,subject,type,severity,priority,status,created,closed,days_to_close,open_days',
    );
    expect(csv.split('\r\n')[1]).toBe(
      '13,"a ""quoted"", subject",Question,Minor,Low,New,2026-02-01T00:00:00.000Z,,,43',
    );
    expect(toCsv(report, 'weekly')).toBe('week,opened,closed\r\n2026-03-02,2,1\r\n2026-03-09,1,1\r\n');
  });

  it('json holds every table, and names the charts without their specs', () => {
    const json = JSON.parse(toJson(report));
    expect(json.tables.map((table: { name: string }) => table.name)).toEqual([
      'issues',
      'weekly',
      'breakdown',
      'open_by_age',
      'time_to_close',
    ]);
    expect(json.charts).toEqual([
      { id: 'issues-per-week', title: 'Issues opened and closed per week' },
      { id: 'open-bugs-by-age', title: 'Open bugs by age' },
    ]);
  });

  it('markdown shows the figures, the sections, the charts where they are, and escapes table cells', () => {
    const md = toMarkdown(
      {
        ...report,
        tables: report.tables.map((table) =>
          table.name === 'weekly' ? { ...table, rows: [{ week: 'a|b', opened: 1, closed: 0 }] } : table,
        ),
      },
      (chart) => `charts/${chart.id}.png`,
    );
    expect(md).toContain('# Bug flow — Hand made');
    expect(md).toContain('Period: 2026-03-02 – 2026-03-15 (UTC)');
    expect(md).toContain('- 3 issues opened and 2 closed in the period.');
    expect(md).toContain('![Open bugs by age](charts/open-bugs-by-age.png)');
    expect(md).toContain('| a\\|b | 1 | 0 |');
    expect(md).toContain('| 3–7 days | Critical | 1 |');
  });

  it('html is one page with the charts inline and the text escaped', () => {
    const html = toHtml(
      { ...report, summary: ['<script>'] },
      new Map([['open-bugs-by-age', '<svg id="x"></svg>']]),
    );
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<figure><svg id="x"></svg></figure>');
    expect(html).toContain('<li>&lt;script&gt;</li>');
    expect(html).not.toContain('<li><script>');
  });
});
