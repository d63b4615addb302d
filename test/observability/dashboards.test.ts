import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPanels, infra, loadDashboards, readYaml } from './support.js';

interface DatasourceProvisioning {
  datasources: { uid: string; type: string; url: string }[];
}
interface DashboardProvisioning {
  providers: { type: string; options: { path: string } }[];
}

const datasources = readYaml<DatasourceProvisioning>(
  join(infra, 'grafana/provisioning/datasources/prometheus.yml'),
).datasources;
const prometheus = datasources.find((ds) => ds.type === 'prometheus');
const dashboards = loadDashboards();

/** Panel types of Grafana's core plugins (v10/v11). */
const panelTypes = new Set([
  'row',
  'timeseries',
  'stat',
  'gauge',
  'bargauge',
  'table',
  'text',
  'heatmap',
  'histogram',
  'piechart',
  'state-timeline',
  'status-history',
  'barchart',
  'logs',
]);

/** Unit ids from Grafana's unit registry (packages/grafana-data/src/valueFormats/categories.ts) Tundra uses. */
const units = new Set([
  'short',
  'none',
  'percent',
  'percentunit',
  's',
  'ms',
  'dtdurations',
  'bytes',
  'decbytes',
  'reqps',
  'ops',
  'rps',
  'wps',
  'currencyUSD',
]);

describe('Grafana provisioning', () => {
  it('provisions one Prometheus datasource with a fixed uid, and the dashboards folder', () => {
    expect(prometheus?.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(prometheus?.url).toBe('http://prometheus:9090');
    const providers = readYaml<DashboardProvisioning>(
      join(infra, 'grafana/provisioning/dashboards/tundra.yml'),
    ).providers;
    expect(providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }),
      }),
    ]);
  });

  it('ships the overview and the per-project drill-down', () => {
    expect(dashboards.map(({ dashboard }) => dashboard.title).sort()).toEqual([
      'Tundra overview',
      'Tundra project',
    ]);
    const uids = dashboards.map(({ dashboard }) => dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});

describe.each(dashboards.map(({ file, dashboard }) => [file, dashboard] as const))(
  '%s',
  (_file, dashboard) => {
    const panels = allPanels(dashboard);
    const dataPanels = panels.filter((panel) => panel.type !== 'row');

    it('is a dashboard of the current schema with a short uid', () => {
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect(dashboard.title).toBeTruthy();
    });

    it('has a project variable fed from Prometheus', () => {
      const project = dashboard.templating.list.find((variable) => variable.name === 'project');
      expect(project?.type).toBe('query');
      expect(project?.datasource).toEqual({ type: 'prometheus', uid: prometheus?.uid });
      const query = typeof project?.query === 'string' ? project.query : project?.query?.query;
      expect(query).toMatch(/^label_values\(tundra_[a-z_]+, project\)$/);
    });

    it('gives every panel a known type, a unique id and a place on the grid', () => {
      for (const panel of panels) {
        expect(panelTypes, panel.title).toContain(panel.type);
        expect(panel.gridPos, panel.title).toEqual({
          h: expect.any(Number),
          w: expect.any(Number),
          x: expect.any(Number),
          y: expect.any(Number),
        });
        expect((panel.gridPos?.x ?? 0) + (panel.gridPos?.w ?? 0), panel.title).toBeLessThanOrEqual(24);
      }
      const ids = panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('queries the provisioned Prometheus from every panel, with non-empty expressions', () => {
      expect(dataPanels.length).toBeGreaterThan(0);
      for (const panel of dataPanels) {
        expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: prometheus?.uid });
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: prometheus?.uid });
          expect(target.expr.trim(), panel.title).not.toBe('');
          expect(target.expr, panel.title).toMatch(/\btundra_|\bup\b|\bprocess_|\bnodejs_/);
        }
      }
    });

    it('sets a Grafana unit on every panel, matching what the query measures', () => {
      for (const panel of dataPanels) {
        const unit = panel.fieldConfig?.defaults?.unit ?? '';
        expect(units, `${panel.title}: ${unit}`).toContain(unit);
        const exprs = (panel.targets ?? []).map((target) => target.expr).join(' ');
        if (/histogram_quantile\(.*_seconds_bucket|_age_seconds|_duration_seconds_sum/.test(exprs)) {
          expect(unit, panel.title).toBe('s');
        }
        if (/cost_usd/.test(exprs)) expect(unit, panel.title).toBe('currencyUSD');
      }
    });
  },
);
