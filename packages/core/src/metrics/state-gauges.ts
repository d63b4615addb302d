import type { ChainableCommander } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { QueueName } from '../contracts/jobs.js';
import type { JobQueues } from '../jobs/job-queues.js';
import { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { StepRunStatus } from '../machine/step-run-machine.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/** The BullMQ job states the queue gauge reports: what a backlog or a failure pile-up shows in. */
export const QueueJobState = {
  Waiting: 'waiting',
  Active: 'active',
  Delayed: 'delayed',
  Failed: 'failed',
} as const;
export type QueueJobState = (typeof QueueJobState)[keyof typeof QueueJobState];

export interface StateGaugesOptions {
  registry: Registry;
  redis: RedisClient;
  keys: Keys;
  queues: JobQueues;
  /** The ids of the projects to report (bounded: an installation has a handful). */
  projects: () => Promise<string[]>;
  /** The clock, for ages; injected so tests can fix it. */
  now?: () => number;
}

type Labels<L extends string> = Partial<Record<L, string | number>>;

/**
 * A gauge whose value is read from Redis when Prometheus scrapes (no timers, nothing cached): every series is
 * reset and set again on each collect, so a project or queue that goes away stops being reported.
 */
function scrapeGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Promise<Array<[Labels<L>, number]>>,
): void {
  // Several apps (and tests) may wire the gauges on one registry; the first registration wins.
  if (registry.getSingleMetric(name)) return;
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const values = await read();
      this.reset();
      for (const [labels, value] of values) this.set(labels, value);
    },
  });
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/**
 * Gauges of the state Tundra keeps in Redis, computed at scrape time: jobs per queue and state, the age of each
 * queue's oldest waiting job, runs and steps per project and status (the status indexes' sizes), and the age of the
 * oldest running step and oldest blocked run per project (the lowest score of those indexes is when the record
 * entered the status). An age is 0 when nothing is in that state, so the series always exists for alerts.
 */
export function registerStateGauges(options: StateGaugesOptions): void {
  const { registry, redis, keys, queues } = options;
  const now = options.now ?? Date.now;
  const queueNames = Object.values(QueueName);
  const states = Object.values(QueueJobState);

  scrapeGauge(
    registry,
    'tundra_queue_jobs',
    'Jobs in each BullMQ queue, by state (waiting, active, delayed, failed).',
    ['queue', 'state'],
    async () => {
      const counts = await Promise.all(
        queueNames.map((queue) => queues.queue(queue).getJobCounts(...states)),
      );
      return queueNames.flatMap((queue, i) =>
        states.map((state): [Labels<'queue' | 'state'>, number] => [
          { queue, state },
          counts[i]?.[state] ?? 0,
        ]),
      );
    },
  );

  scrapeGauge(
    registry,
    'tundra_queue_oldest_waiting_age_seconds',
    'Age of the oldest job waiting in each queue, since it became eligible to run (0 when none waits).',
    ['queue'],
    async () => {
      const oldest = await Promise.all(queueNames.map((queue) => queues.queue(queue).getWaiting(0, 0)));
      return queueNames.map((queue, i): [Labels<'queue'>, number] => {
        const job = oldest[i]?.[0];
        // A retried job keeps its creation time; it has been waiting since its last attempt (or its delay) ended.
        const since = job ? Math.max(job.timestamp + (job.delay ?? 0), job.processedOn ?? 0) : now();
        return [{ queue }, seconds(now() - since)];
      });
    },
  );

  // One pipeline per project, sent together: a project's keys share a slot, and a Redis Cluster refuses a pipeline
  // whose keys live on different nodes.
  const perProject = (
    projects: readonly string[],
    add: (pipeline: ChainableCommander, project: string) => void,
  ): Promise<[Error | null, unknown][][]> =>
    Promise.all(
      projects.map(async (project) => {
        const pipeline = redis.pipeline();
        add(pipeline, project);
        return (await pipeline.exec()) ?? [];
      }),
    );

  const statusCounts = <S extends string>(
    name: string,
    help: string,
    statuses: readonly S[],
    key: (project: string, status: S) => string,
  ) =>
    scrapeGauge(registry, name, help, ['project', 'status'], async () => {
      const projects = await options.projects();
      const replies = await perProject(projects, (pipeline, project) => {
        for (const status of statuses) pipeline.zcard(key(project, status));
      });
      return projects.flatMap((project, p) =>
        statuses.map((status, s): [Labels<'project' | 'status'>, number] => {
          const [error, count] = replies[p]?.[s] ?? [null, 0];
          if (error) throw error;
          return [{ project, status }, Number(count)];
        }),
      );
    });

  statusCounts(
    'tundra_runs',
    'ProtocolRuns now in each status, by project.',
    Object.values(ProtocolRunStatus),
    keys.runsByStatus,
  );
  statusCounts(
    'tundra_steps',
    'StepRuns now in each status, by project.',
    Object.values(StepRunStatus),
    keys.stepsByStatus,
  );

  const oldestAge = (name: string, help: string, key: (project: string) => string) =>
    scrapeGauge(registry, name, help, ['project'], async () => {
      const projects = await options.projects();
      const replies = await perProject(projects, (pipeline, project) => {
        pipeline.zrange(key(project), 0, 0, 'WITHSCORES');
      });
      return projects.map((project, p): [Labels<'project'>, number] => {
        const [error, reply] = replies[p]?.[0] ?? [null, []];
        if (error) throw error;
        const score = (reply as string[])[1];
        return [{ project }, score === undefined ? 0 : seconds(now() - Number(score))];
      });
    });

  oldestAge(
    'tundra_oldest_running_step_age_seconds',
    'How long the longest-running step of each project has been running (0 when none runs).',
    (project) => keys.stepsByStatus(project, 'running'),
  );
  oldestAge(
    'tundra_oldest_blocked_run_age_seconds',
    'How long the longest-blocked run of each project has been blocked (0 when none is).',
    (project) => keys.runsByStatus(project, 'blocked'),
  );
}
