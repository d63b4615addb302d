// `pnpm test:chaos [--short] [--only kill-apps,fuzz,...] [--seed N]`: starts the real system (Redis with AOF, the
// Taiga sandbox, the five apps as processes) for each scenario, runs it on loopback until it stops by itself, and
// prints a table of checks and figures ending with `N passed, N failed`. Exit code 1 when a check failed.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { auth } from './scenarios/auth.js';
import { deliveries } from './scenarios/deliveries.js';
import { fuzz } from './scenarios/fuzz.js';
import { gracefulStop } from './scenarios/graceful-stop.js';
import { killApps } from './scenarios/kill-apps.js';
import { redisRestart } from './scenarios/redis-restart.js';
import type { Scenario } from './scenarios/scenario.js';
import { formatReport, ScenarioReport } from './support/report.js';
import { liveSystems } from './support/system.js';

const scenarios: Scenario[] = [
  { name: 'kill-apps', run: killApps },
  { name: 'graceful-stop', run: gracefulStop },
  { name: 'auth', run: auth },
  { name: 'deliveries', run: deliveries },
  { name: 'redis-restart', run: redisRestart },
  { name: 'fuzz', run: fuzz },
];

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string' },
  },
});
const only = values.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !scenarios.some((scenario) => scenario.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `unknown scenario ${unknown.join(', ')}; there are: ${scenarios.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const options = {
  short: values.short ?? false,
  seed,
  log: (message: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`),
};

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const command = `pnpm test:chaos${options.short ? ' --short' : ''}${only ? ` --only ${only.join(',')}` : ''} --seed ${seed}`;
console.log(`Tundra chaos suite, ${options.short ? 'short' : 'full'} version, ${new Date().toISOString()}`);
console.log(`command: ${command}`);
console.log(`node ${process.version}; load average at start: ${load()}`);

/** Stops every system still running: their processes go, and whatever waited on them fails. */
async function stopSystems(): Promise<void> {
  await Promise.all([...liveSystems].map((system) => system.stop().catch(() => undefined)));
}
// Whatever ends the suite, nothing it started outlives it.
process.once('exit', () => {
  for (const system of liveSystems) system.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    options.log(`${signal}: stopping`);
    void stopSystems().then(() => process.exit(130));
  });
}

/** Past this a scenario is stopped and reported as failed: the suite stops by itself whatever happens. */
const scenarioBudgetMs = 15 * 60_000;

const started = Date.now();
const reports: ScenarioReport[] = [];
for (const scenario of scenarios.filter((s) => !only || only.includes(s.name))) {
  const report = new ScenarioReport(scenario.name);
  reports.push(report);
  const scenarioStarted = Date.now();
  options.log(`${scenario.name}: starting`);
  let budget: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    budget = setTimeout(
      () => reject(new Error(`still running after ${scenarioBudgetMs / 60_000} minutes`)),
      scenarioBudgetMs,
    );
  });
  try {
    await Promise.race([scenario.run(report, options), overrun]);
  } catch (error) {
    options.log(
      `${scenario.name}: stopped by ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    for (const system of liveSystems) options.log(`the apps' last warnings:\n${system.describeLogs()}`);
    report.aborted(error);
    await stopSystems();
  } finally {
    clearTimeout(budget);
  }
  report.figure('scenario duration', `${((Date.now() - scenarioStarted) / 1000).toFixed(0)} s`);
  options.log(`${scenario.name}: done`);
}
console.log(`\n${formatReport(reports)}`);
console.log(`\nduration ${((Date.now() - started) / 1000).toFixed(0)} s; load average at end: ${load()}`);
process.exit(reports.some((report) => report.checks.some((check) => !check.passed)) ? 1 : 0);
