import type { CommandContext, Project, ProtocolRun, StepRun, TaigaItemRef } from '@tundra/core';
import type { StateStore } from '@tundra/core/server';

/** A Taiga item Tundra tracks, with the run it belongs to and what a command written on it acts on. */
export interface TrackedItem {
  readonly item: TaigaItemRef;
  readonly run: ProtocolRun;
  readonly steps: readonly StepRun[];
  readonly command: CommandContext;
}

/**
 * The run an item belongs to: the active run whose item it is (a story, or a lone task with its own step), or the
 * run of the step whose task it is (that run may have ended: a command then answers what it is). With
 * `endedRuns`, an item whose runs have all ended belongs to its latest run, so that a command written on it is
 * answered ("nothing to retry: the run is completed") rather than dropped; board gestures leave ended runs alone.
 * Null for an item Tundra does not track.
 */
export async function findTrackedItem(
  store: StateStore,
  project: Project,
  item: TaigaItemRef,
  options: { endedRuns?: boolean } = {},
): Promise<TrackedItem | null> {
  const planApproval = project.planApproval === 'required';
  const active = await store.runs.findActiveRun(project.id, item);
  if (active) {
    const steps = await store.runs.listSteps(active.id);
    const lone = item.type === 'task';
    return {
      item,
      run: active,
      steps,
      command: {
        run: active,
        steps,
        step: lone ? (steps.find((s) => s.taigaTaskId === item.id) ?? null) : null,
        place: lone ? 'lone_task' : 'story',
        planApproval,
      },
    };
  }
  const step = item.type === 'task' ? await store.runs.findStepByTaigaTask(project.id, item.id) : null;
  const run = step && (await store.runs.getRun(step.protocolRunId));
  if (step && run) {
    const steps = await store.runs.listSteps(run.id);
    return {
      item,
      run,
      steps,
      command: { run, steps, step: steps.find((s) => s.id === step.id) ?? step, place: 'task', planApproval },
    };
  }
  return options.endedRuns ? latestRun(store, project, item, planApproval) : null;
}

/** The item's latest run, ended: what a command on a story (or lone task) with no active run answers about. */
async function latestRun(
  store: StateStore,
  project: Project,
  item: TaigaItemRef,
  planApproval: boolean,
): Promise<TrackedItem | null> {
  const runId = (await store.runs.listRunIdsForItem(project.id, item)).at(-1);
  const run = runId ? await store.runs.getRun(runId) : null;
  if (!run) return null;
  const steps = await store.runs.listSteps(run.id);
  const lone = item.type === 'task';
  return {
    item,
    run,
    steps,
    command: {
      run,
      steps,
      step: lone ? (steps.find((s) => s.taigaTaskId === item.id) ?? null) : null,
      place: lone ? 'lone_task' : 'story',
      planApproval,
    },
  };
}

/** Reads the run and its steps again, after a command changed them, for the reply. */
export async function refreshTracked(store: StateStore, tracked: TrackedItem): Promise<TrackedItem> {
  const run = (await store.runs.getRun(tracked.run.id)) ?? tracked.run;
  const steps = await store.runs.listSteps(run.id);
  const stepId = tracked.command.step?.id;
  return {
    ...tracked,
    run,
    steps,
    command: {
      ...tracked.command,
      run,
      steps,
      step: stepId ? (steps.find((s) => s.id === stepId) ?? null) : null,
    },
  };
}
