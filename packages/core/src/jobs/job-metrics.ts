import { Counter, Histogram, type Registry } from 'prom-client';

/** Job outcomes and durations by queue and job name (bounded: both come from the job catalog). */
export function createJobMetrics(registry: Registry) {
  return {
    jobs: new Counter({
      name: 'tundra_jobs_total',
      help: 'Jobs handled, by queue, job name and outcome (completed, retried, failed, unrecoverable, delayed).',
      labelNames: ['queue', 'name', 'outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'tundra_job_duration_seconds',
      help: 'Time a handler spent on a job, by queue and job name.',
      labelNames: ['queue', 'name'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
      registers: [registry],
    }),
  };
}
export type JobMetrics = ReturnType<typeof createJobMetrics>;
