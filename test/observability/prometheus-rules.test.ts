import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { alertRules, infra, readYaml, alertRuleFiles as ruleFiles, runTool } from './support.js';

const prometheusDir = join(infra, 'prometheus');
const testFiles = readdirSync(join(prometheusDir, 'tests'))
  .filter((file) => file.endsWith('.yml'))
  .map((file) => join(prometheusDir, 'tests', file));
const alerts = alertRules();

interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}
const evaluations = testFiles.flatMap((file) =>
  readYaml<{ tests: RuleTest[] }>(file).tests.flatMap((test) => test.alert_rule_test ?? []),
);

/** The anchors GitHub makes of the Markdown headings of docs/operations.md. */
const operationsAnchors = new Set(
  readFileSync(resolve(repoRoot, 'docs/operations.md'), 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) =>
      line
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replaceAll(' ', '-'),
    ),
);

describe('Prometheus configuration and alert rules', () => {
  it('promtool accepts the scrape config and the rule files it loads', async () => {
    const result = await runTool('promtool', ['check', 'config', join(prometheusDir, 'prometheus.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('promtool accepts every rule file', async () => {
    const result = await runTool('promtool', ['check', 'rules', ...ruleFiles]);
    expect(result.code, result.output).toBe(0);
  });

  it('passes the rule unit tests', async () => {
    const result = await runTool('promtool', ['test', 'rules', ...testFiles]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('has the alerts the operations guide promises', () => {
    expect(alerts.map((rule) => rule.alert).sort()).toEqual(
      [
        'TundraAppDown',
        'TundraAppMissing',
        'TundraOldestWaitingJobTooOld',
        'TundraProjectDailyBudgetNearlySpent',
        'TundraQueueBacklogGrowing',
        'TundraReportDeliveryFailing',
        'TundraReportsFailing',
        'TundraRunsBlockedTooLong',
        'TundraStepStuck',
        'TundraTaigaApiFailing',
        'TundraWebhookRejectionsSpike',
        'TundraWriteBackLagHigh',
      ].sort(),
    );
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    '%s has a severity, a summary and a runbook section in docs/operations.md',
    (_name, rule) => {
      expect(['page', 'warning', 'info']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      const runbook = rule.annotations?.runbook_url ?? '';
      expect(runbook).toMatch(/^docs\/operations\.md#[a-z0-9-]+$/);
      expect([...operationsAnchors]).toContain(runbook.split('#')[1]);
    },
  );

  it.each(alerts.map((rule) => [rule.alert] as const))(
    '%s is unit-tested with series that fire it and series that do not',
    (name) => {
      const mine = evaluations.filter((evaluation) => evaluation.alertname === name);
      expect(mine.some((evaluation) => (evaluation.exp_alerts ?? []).length > 0)).toBe(true);
      expect(mine.some((evaluation) => (evaluation.exp_alerts ?? []).length === 0)).toBe(true);
    },
  );
});
