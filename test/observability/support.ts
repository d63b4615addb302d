import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@tundra/testkit';
import { parse, parseAllDocuments } from 'yaml';

export const infra = resolve(repoRoot, 'infra');
export const dashboardsDir = join(infra, 'grafana/dashboards');

const run = promisify(execFile);

/** Runs a program; resolves with its output whatever the exit code, so a test can show why it failed. */
export async function runTool(
  program: string,
  args: string[],
  cwd = repoRoot,
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(program, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (failed.code === 'ENOENT') {
      throw new Error(
        `${program} is not installed (CI installs Debian's prometheus package, which brings promtool)`,
      );
    }
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}`,
    };
  }
}

export function readYaml<T = unknown>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

/** Every document of a multi-document YAML file. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

export interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string }; overrides?: unknown[] };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: {
    list: {
      name: string;
      type: string;
      datasource?: { type?: string; uid?: string };
      query?: { query: string } | string;
      definition?: string;
    }[];
  };
}

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(dashboardsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard,
    }));
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/**
 * A panel query as Prometheus would receive it from Grafana: `$__rate_interval` becomes a range that spans several
 * scrapes, `$project` the regex that selects every project (the variables' "All" value).
 */
export function substituteVariables(expr: string, rateInterval = '1m'): string {
  return expr.replaceAll('$__rate_interval', rateInterval).replaceAll('$project', '.*');
}

/** Every query of every dashboard panel, with where it comes from. */
export function dashboardQueries(): { where: string; expr: string }[] {
  return loadDashboards().flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        where: `${file} › ${panel.title} › ${target.refId}`,
        expr: target.expr,
      })),
    ),
  );
}

/** Metric names in the first column of docs/metrics.md's tables. */
export function metricsInDoc(): Set<string> {
  const doc = readFileSync(resolve(repoRoot, 'docs/metrics.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| `(tundra_[a-z0-9_]+)` \|/gm)].map((match) => match[1]!));
}

/** The alert rule files Prometheus loads (`infra/prometheus/rules/*.yml`). */
export const alertRuleFiles = readdirSync(join(infra, 'prometheus/rules'))
  .filter((file) => file.endsWith('.yml'))
  .map((file) => join(infra, 'prometheus/rules', file));

export interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every alert rule of every rule file. */
export function alertRules(): AlertRule[] {
  return alertRuleFiles.flatMap((file) =>
    readYaml<{ groups: { rules: AlertRule[] }[] }>(file).groups.flatMap((group) =>
      group.rules.filter((rule) => rule.alert),
    ),
  );
}
