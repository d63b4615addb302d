import type { Registry } from 'prom-client';
import { createEngineMetrics, type EngineKind, type EngineMetrics } from './engine-metrics.js';
import { engineName } from './engine-name.js';
import type { EngineResult } from './engine-result.js';
import { type PresetRunOptions, type PresetRunResult, runPresetEngine } from './presets/run-preset-engine.js';
import {
  type EngineProcessOptions,
  type EngineProcessResult,
  runEngineProcess,
} from './run-engine-process.js';

/** Who a run's tokens and cost are counted for, in the metrics. */
export interface SpendLabels {
  project?: string;
}

export interface EngineRunOptions extends EngineProcessOptions, SpendLabels {
  kind: EngineKind;
}

export interface PresetEngineRunOptions extends PresetRunOptions, SpendLabels {
  kind: EngineKind;
}

/** Runs engine processes and records their metrics; what apps take as a dependency. */
export interface EngineRunner {
  run(options: EngineRunOptions): Promise<EngineProcessResult>;
  /** Runs an engine given as a preset (or a command), reading an agent's output as it streams. */
  runPreset(options: PresetEngineRunOptions): Promise<PresetRunResult>;
}

export interface EngineRunnerOptions {
  registry: Registry;
  /** SIGTERM → SIGKILL grace for every run that does not set its own. */
  killGraceMs?: number;
}

/** What a run's account says it spent, in a result's shape, for a run that ended without a result. */
function accountResult(result: PresetRunResult): EngineResult | null {
  const { account } = result;
  if (account.costUsd === null && account.tokens.input === 0 && account.tokens.output === 0) return null;
  return {
    status: 'failed',
    tokens: { input: account.tokens.input, output: account.tokens.output },
    ...(account.costUsd === null ? {} : { costUsd: account.costUsd }),
  };
}

export function createEngineRunner(options: EngineRunnerOptions): EngineRunner {
  const metrics: EngineMetrics = createEngineMetrics(options.registry);
  const grace = options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs };
  const record = (
    command: readonly string[],
    kind: EngineKind,
    result: EngineProcessResult,
    labels: SpendLabels,
    model: string | null,
  ) => {
    const engine = engineName(command);
    metrics.runs.inc({ engine, kind, outcome: result.outcome });
    metrics.duration.observe({ engine, kind }, result.durationMs / 1000);
    const reported: EngineResult | null = result.result;
    // A model nobody named is `unknown`, so a dashboard's sum by model still adds up.
    const spend = { engine, kind, project: labels.project ?? '', model: model ?? 'unknown' };
    if (reported?.tokens) {
      metrics.tokens.inc({ ...spend, direction: 'input' }, reported.tokens.input);
      metrics.tokens.inc({ ...spend, direction: 'output' }, reported.tokens.output);
    }
    if (reported?.costUsd !== undefined) metrics.cost.inc(spend, reported.costUsd);
  };
  return {
    async run({ kind, project, ...processOptions }) {
      const result = await runEngineProcess({ ...grace, ...processOptions });
      record(processOptions.command, kind, result, { project }, result.result?.model ?? null);
      return result;
    },
    async runPreset({ kind, project, ...presetOptions }) {
      const result = await runPresetEngine({ ...grace, ...presetOptions });
      // A run stopped mid-way (budget, stall, cancel) spent too: its account counts, not only a result.
      const counted = result.result ? result : { ...result, result: accountResult(result) };
      record(result.argv, kind, counted, { project }, result.account.model);
      return result;
    },
  };
}
