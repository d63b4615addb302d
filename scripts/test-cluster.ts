// `pnpm test:cluster`: the end-to-end suite, and the integration tests that run every Lua script and every app,
// against a real Redis Cluster of three primaries on loopback (docs/operations.md#redis-cluster). The test fixture
// (`createTestRedis`) and every app it starts connect to the Cluster through TUNDRA_REDIS_CLUSTER_NODES. The shared
// Cluster has no replicas (the files share it, none may kill a node of it); the failover test starts its own.
import { spawn } from 'node:child_process';
import { startRedisCluster } from '@tundra/testkit';

/**
 * What runs on the Cluster. Left out: `redis-outage` and the chaos suite's Redis restart (they stop one
 * `redis-server`), `pnpm-start` (the demo starts its own Redis), and the tests of code a Cluster does not change.
 */
const files = [
  // The whole flow through the ingester, planner, executor and QA processes: create-run, store-plan, transition,
  // charge-spend, acquire-slot, the inbox's accept, locks.
  'test/e2e/main-flow.test.ts',
  'test/e2e/failure-paths.test.ts',
  'test/e2e/taiga-conversation.test.ts',
  'test/e2e/budget-resume.test.ts',
  'test/e2e/worker-apps-lifecycle.test.ts',
  // A primary killed while runs are in flight, its replica promoted: on a Cluster of its own (three primaries with a
  // replica each, started by the test), so that the kills disturb no other file.
  'test/e2e/cluster-failover.test.ts',
  // The API (put/delete project, the start's idempotency records, step requests' audit events, live tails) and the
  // reporter, which the e2e system does not start; the inbox's recovery claim.
  'apps/api/test/projects.test.ts',
  'apps/api/test/runs.test.ts',
  'apps/api/test/steps.test.ts',
  'apps/api/test/sse.test.ts',
  // The console's API: sessions, the inbox's reads, replay records, what waits for a person.
  'apps/api/test/console.test.ts',
  'apps/api/test/main.test.ts',
  'apps/api/src/store/idempotency-records.int.test.ts',
  'apps/reporter/test/reporter.int.test.ts',
  'apps/ingester/test/inbox.test.ts',
  // Each core script directly, conflicts included.
  'packages/core/src/store/run-store.int.test.ts',
  'packages/core/src/store/redis-lock.int.test.ts',
  'apps/executor/src/store/project-slots.int.test.ts',
];

const started = Date.now();
const cluster = await startRedisCluster(3);
console.log(`test:cluster: a Redis Cluster of 3 primaries at ${cluster.nodes.join(', ')}`);
const { REDIS_URL: _oneServer, ...env } = process.env;
// Files given on the command line run instead (`pnpm test:cluster test/e2e/main-flow.test.ts`).
const chosen = process.argv.slice(2);
const vitest = spawn('pnpm', ['exec', 'vitest', 'run', ...(chosen.length > 0 ? chosen : files)], {
  stdio: 'inherit',
  env: { ...env, TUNDRA_REDIS_CLUSTER_NODES: cluster.nodes.join(',') },
});
const stop = () => vitest.kill('SIGTERM');
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
const code = await new Promise<number>((resolve) =>
  vitest.once('exit', (exitCode) => resolve(exitCode ?? 1)),
);
await cluster.stop();
console.log(
  `test:cluster: ${code === 0 ? 'passed' : 'failed'} in ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(code);
