import { Counter, Histogram, type Registry } from 'prom-client';

/** The reports' metrics, registered once per registry (the API and the reporter both make reports). */
export function createReportMetrics(registry: Registry) {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    reports:
      existing<Counter<'kind' | 'outcome'>>('tundra_reports_total') ??
      new Counter({
        name: 'tundra_reports_total',
        help: 'Reports made, by kind and outcome (delivered, nothing_to_post, served, failed)',
        labelNames: ['kind', 'outcome'],
        registers: [registry],
      }),
    duration:
      existing<Histogram<'kind'>>('tundra_report_duration_seconds') ??
      new Histogram({
        name: 'tundra_report_duration_seconds',
        help: 'Time to make one report (Taiga sync, computation, charts, formats), by kind',
        labelNames: ['kind'],
        buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
        registers: [registry],
      }),
    deliveries:
      existing<Counter<'destination' | 'outcome'>>('tundra_report_deliveries_total') ??
      new Counter({
        name: 'tundra_report_deliveries_total',
        help: 'Reports sent to a destination (slack, taigaWiki, directory), by outcome (success, failed)',
        labelNames: ['destination', 'outcome'],
        registers: [registry],
      }),
    firings:
      existing<Counter<'rule'>>('tundra_report_rule_firings_total') ??
      new Counter({
        name: 'tundra_report_rule_firings_total',
        help: 'Exception rules that fired in a scheduled exception report, by rule',
        labelNames: ['rule'],
        registers: [registry],
      }),
    taigaReads:
      existing<Counter<'read' | 'sync'>>('tundra_report_taiga_reads_total') ??
      new Counter({
        name: 'tundra_report_taiga_reads_total',
        help: 'Items the report cache read from Taiga, by read (listed, history) and sync (full, incremental)',
        labelNames: ['read', 'sync'],
        registers: [registry],
      }),
  };
}
export type ReportMetrics = ReturnType<typeof createReportMetrics>;
