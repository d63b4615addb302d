import { groupRunning } from '@tundra/engine';
import { assignToBot, createStory, runForStory, waitForRuns, waitForStateLine } from '../support/flow.js';
import { type ScenarioReport, seconds } from '../support/report.js';
import { startSystem, stateLines } from '../support/system.js';
import type { ScenarioOptions } from './scenario.js';

/**
 * SIGTERM to the executor mid-step: the step is handed back (`interrupted`: running → pending) and finishes on the
 * next executor, the engine's process group is gone, and the executor exits within TUNDRA_SHUTDOWN_TIMEOUT_MS.
 */
export async function gracefulStop(report: ScenarioReport, _options: ScenarioOptions): Promise<void> {
  const system = await startSystem();
  try {
    const shutdownTimeoutMs = Number(system.env.TUNDRA_SHUTDOWN_TIMEOUT_MS);
    const { seed } = await system.addProject('graceful');
    const story = await createStory(system.sandbox, seed.project.id, 'Long work', ['[hold-once] long step']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await runForStory(system, 'graceful', story.id);
    const { file } = await waitForStateLine(system, (name) => name.startsWith('exec-'));
    const stepId = file.slice('exec-'.length, -'.log'.length);
    const pgid = Number(/ pgid (\d+)$/.exec(stateLines(system, file)[0]!)![1]);

    const executor = system.apps.executor.proc;
    const stoppedAt = Date.now();
    const code = await executor.stop('SIGTERM');
    const exitMs = Date.now() - stoppedAt;
    report.check(
      'the executor exits cleanly within TUNDRA_SHUTDOWN_TIMEOUT_MS',
      code === 0 && exitMs <= shutdownTimeoutMs,
      `exit code ${code} after ${seconds(exitMs)} (limit ${seconds(shutdownTimeoutMs)})`,
    );
    report.check('the engine’s process group is gone', !groupRunning(pgid), `group ${pgid}`);
    const handedBack = (await system.store.events.readRun(runId, { count: 1000 })).find(
      (event) => event.entityId === stepId && event.type === 'step_run.interrupted',
    );
    report.check(
      'the step is handed back (interrupted: running → pending)',
      handedBack?.from === 'running' && handedBack.to === 'pending',
      handedBack ? `${handedBack.from} → ${handedBack.to}` : 'no interrupted event',
    );

    await system.start('executor');
    await waitForRuns(system, 'graceful', [runId], ['protocol_run.steps_completed'], 120_000);
    const step = await system.store.runs.getStep(runId, stepId);
    const events = (await system.store.events.readRun(runId, { count: 1000 }))
      .filter((event) => event.entityId === stepId)
      .map((event) => event.type.replace('step_run.', ''));
    report.check(
      'the step finishes on the next executor',
      step?.status === 'completed' && step.attempts === 2,
      `${step?.status}, attempt ${step?.attempts}: ${events.join(' → ')}`,
    );
  } finally {
    await system.stop();
  }
}
