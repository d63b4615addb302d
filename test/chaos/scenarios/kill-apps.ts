import { resolve } from 'node:path';
import { groupRunning } from '@tundra/engine';
import { repoRoot } from '@tundra/testkit';
import {
  assignToBot,
  createStory,
  lastEventId,
  readItem,
  runForStory,
  startTimes,
  stepTrailers,
  waitForRuns,
  waitForStateLine,
} from '../support/flow.js';
import { type ScenarioReport, seconds } from '../support/report.js';
import { type AppName, type ChaosSystem, startSystem, stateLines } from '../support/system.js';
import type { ScenarioOptions } from './scenario.js';

/** What "handed on within 10 s" means for a killed worker's step or QA (issue 11, item 7). */
const handoverLimitMs = 10_000;
const qaSeconds = 2;

/**
 * kill -9 of each app in turn, mid-flow, with runs in flight on a slow engine; each app is started again at once.
 * Every run must complete with one commit per step, one copy of each comment on Taiga, no duplicate transition, and
 * no engine group of a killed executor left; a killed executor's steps and a killed QA app's checks must start again
 * within 10 s.
 */
export async function killApps(report: ScenarioReport, options: ScenarioOptions): Promise<void> {
  // As many execution slots as runs: a killed executor's steps then wait for the hand-over, not for a free slot
  // (fresh steps taken by the restarted executor before the stalled jobs come back would otherwise hold them all).
  const runCount = options.short ? 4 : 10;
  const system = await startSystem({
    env: { CHAOS_STEP_SECONDS: '3', TUNDRA_EXECUTOR_CONCURRENCY: String(runCount) },
  });
  try {
    const qaScript = resolve(repoRoot, 'test/chaos/support/chaos-qa.sh');
    const { seed } = await system.addProject('kills', {
      qaPolicy: { kind: 'command', command: ['bash', qaScript, system.state, String(qaSeconds)] },
    });
    const stories = [];
    for (let i = 0; i < runCount; i++) {
      stories.push(
        await createStory(system.sandbox, seed.project.id, `Chaos story ${i + 1}`, ['first', 'second']),
      );
    }
    const started = Date.now();
    for (const story of stories) await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runIds = await Promise.all(stories.map((story) => runForStory(system, 'kills', story.id)));
    report.figure('runs in flight', `${runIds.length}, 2 steps each, 3 s engine, ${qaSeconds} s QA check`);

    const victims: AppName[] = options.short
      ? ['executor', 'qa']
      : ['ingester', 'planner', 'executor', 'qa', 'api', 'reporter'];
    for (const app of victims) {
      const cursor = await lastEventId(system, 'kills');
      await untilBusy(system, app, cursor);
      await killAndRestart(system, report, app, runIds);
    }

    await waitForRuns(system, 'kills', runIds, ['protocol_run.steps_completed'], 300_000);
    report.figure('all runs settled after', seconds(Date.now() - started));
    await Promise.all(runIds.map((runId) => system.waitForWriteBack(runId)));
    await checkOutcome(system, report, runIds, stories);
  } finally {
    await system.stop();
  }
}

/** Waits for a moment when `app` has work in flight (for the HTTP apps, any moment will do). */
async function untilBusy(system: ChaosSystem, app: AppName, cursor: string): Promise<void> {
  const after = Date.now();
  if (app === 'executor' || app === 'qa') {
    // An engine (or a QA check) that has started: it records its start in the state directory.
    const prefix = app === 'executor' ? 'exec-' : 'qa-';
    await waitForStateLine(
      system,
      (file, line) => file.startsWith(prefix) && Number(/^start (\d+)/.exec(line)?.[1] ?? 0) >= after,
      120_000,
    );
  } else if (app === 'planner') {
    // A passed step asks the planner for the run's next step, and its write-back posts a comment.
    await system.waitForEvent('kills', (event) => event.type === 'step_run.qa_passed', 120_000, cursor);
  }
}

async function killAndRestart(
  system: ChaosSystem,
  report: ScenarioReport,
  app: AppName,
  runIds: readonly string[],
): Promise<void> {
  const running = app === 'executor' ? await runningSteps(system, runIds) : [];
  const checking = app === 'qa' ? await stepsInQa(system, runIds) : [];
  const cursor = await lastEventId(system, 'kills');
  const killedAt = Date.now();
  await system.kill(app);
  await system.start(app);
  report.figure(`${app}: kill -9 → ready again`, seconds(Date.now() - killedAt));

  if (app === 'executor') {
    // Handed on: the next executor took the step's job and gave the step back (`interrupted`); then it starts it.
    const timings = await Promise.all(
      running.map(async ({ stepId }) => {
        const at = async (type: string) =>
          Date.parse(
            (
              await system.waitForEvent(
                'kills',
                (event) => event.type === type && event.entityId === stepId,
                120_000,
                cursor,
              )
            ).at,
          ) - killedAt;
        return { handedOn: await at('step_run.interrupted'), restarted: await at('step_run.step_started') };
      }),
    );
    withinLimit(
      report,
      'executor: its running steps are handed on',
      timings.map((timing) => timing.handedOn),
    );
    report.figure(
      'executor: kill -9 → its steps started again',
      timings.map((timing) => seconds(timing.restarted)).join(', '),
    );
    const groups = running.map((step) => step.pgid).filter((pgid): pgid is number => pgid !== null);
    const left = groups.filter((pgid) => groupRunning(pgid));
    report.check(
      'executor: the killed engines’ process groups are gone',
      groups.length > 0 && left.length === 0,
      `${groups.length - left.length}/${groups.length} groups gone`,
    );
  }
  if (app === 'qa') {
    const handovers = await Promise.all(
      checking.map(async (stepId) => {
        const { line } = await waitForStateLine(
          system,
          (file, candidate) =>
            file === `qa-${stepId}.log` && Number(/^start (\d+)/.exec(candidate)?.[1] ?? 0) > killedAt,
          120_000,
        );
        return Number(/^start (\d+)/.exec(line)![1]) - killedAt;
      }),
    );
    withinLimit(report, 'qa: its checks in flight are handed on (started again)', handovers);
  }
}

function withinLimit(report: ScenarioReport, name: string, handovers: number[]): void {
  const worst = Math.max(...handovers);
  report.check(
    `${name} within ${handoverLimitMs / 1000} s`,
    handovers.length > 0 && worst <= handoverLimitMs,
    handovers.length === 0
      ? 'nothing was in flight at the kill'
      : `max ${seconds(worst)} over ${handovers.length} (${handovers.map(seconds).join(', ')})`,
  );
}

/** Steps running now, with the process group of the engine's latest start (as the engine itself wrote it). */
async function runningSteps(system: ChaosSystem, runIds: readonly string[]) {
  const steps = [];
  for (const runId of runIds) {
    for (const step of await system.store.runs.listSteps(runId)) {
      if (step.status !== 'running') continue;
      const last = stateLines(system, `exec-${step.id}.log`).at(-1);
      const pgid = last === undefined ? null : Number(/ pgid (\d+)$/.exec(last)?.[1]);
      steps.push({ runId, stepId: step.id, pgid });
    }
  }
  return steps;
}

/** Steps whose QA check is running now: waiting for QA, with a check started less than its duration ago. */
async function stepsInQa(system: ChaosSystem, runIds: readonly string[]): Promise<string[]> {
  const now = Date.now();
  const steps = [];
  for (const runId of runIds) {
    for (const step of await system.store.runs.listSteps(runId)) {
      if (step.status !== 'needs_qa') continue;
      const last = startTimes(system, `qa-${step.id}.log`).at(-1);
      if (last !== undefined && now - last < qaSeconds * 1000) steps.push(step.id);
    }
  }
  return steps;
}

async function checkOutcome(
  system: ChaosSystem,
  report: ScenarioReport,
  runIds: readonly string[],
  stories: readonly { id: number; tasks: { id: number }[] }[],
): Promise<void> {
  const runs = await Promise.all(runIds.map((runId) => system.store.runs.getRun(runId)));
  const completed = runs.filter((run) => run?.status === 'completed').length;
  report.check(
    'every run reaches completed',
    completed === runIds.length,
    `${completed}/${runIds.length} runs`,
  );

  let steps = 0;
  const wrongCommits: string[] = [];
  let duplicateTransitions = 0;
  for (const run of runs) {
    if (!run?.branch) continue;
    const trailers = stepTrailers(system, run.branch);
    for (const step of await system.store.runs.listSteps(run.id)) {
      steps++;
      const commits = trailers.filter((trailer) => trailer === step.id).length;
      if (commits !== 1) wrongCommits.push(`${step.id}: ${commits}`);
    }
    const events = await system.store.events.readRun(run.id, { count: 10_000 });
    const seen = new Set<string>();
    for (const event of events) {
      const key = `${event.entityId}@${event.version}`;
      if (seen.has(key)) duplicateTransitions++;
      seen.add(key);
    }
  }
  report.check(
    'each step has exactly one commit on its branch',
    wrongCommits.length === 0 && steps === runIds.length * 2,
    wrongCommits.length === 0 ? `${steps} steps, ${steps} commits` : wrongCommits.join('; '),
  );
  report.check(
    'no run’s event stream holds a duplicate transition',
    duplicateTransitions === 0,
    `${duplicateTransitions} duplicates in ${runIds.length} streams`,
  );

  let comments = 0;
  const duplicated: string[] = [];
  for (const story of stories) {
    const items = [
      { type: 'userstory' as const, id: story.id },
      ...story.tasks.map((task) => ({ type: 'task' as const, id: task.id })),
    ];
    for (const item of items) {
      const texts = (await readItem(system.sandbox, item.type, item.id)).comments;
      comments += texts.length;
      const counts = new Map<string, number>();
      for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
      for (const [text, count] of counts) {
        if (count > 1) duplicated.push(`${item.type} ${item.id}: "${text.slice(0, 40)}" ×${count}`);
      }
    }
  }
  report.check(
    'each Tundra comment appears once on its Taiga item',
    comments > 0 && duplicated.length === 0,
    duplicated.length === 0 ? `${comments} comments, none twice` : duplicated.join('; '),
  );
}
