import type { Registry } from 'prom-client';
import { createEngineMetrics, type EngineKind, type EngineMetrics } from './engine-metrics.js';
import { engineName } from './engine-name.js';
import {
  type EngineProcessOptions,
  type EngineProcessResult,
  runEngineProcess,
} from './run-engine-process.js';

export interface EngineRunOptions extends EngineProcessOptions {
  kind: EngineKind;
}

/** Runs engine processes and records their metrics; what apps take as a dependency. */
export interface EngineRunner {
  run(options: EngineRunOptions): Promise<EngineProcessResult>;
}

export interface EngineRunnerOptions {
  registry: Registry;
  /** SIGTERM → SIGKILL grace for every run that does not set its own. */
  killGraceMs?: number;
}

export function createEngineRunner(options: EngineRunnerOptions): EngineRunner {
  const metrics: EngineMetrics = createEngineMetrics(options.registry);
  return {
    async run({ kind, ...processOptions }) {
      const result = await runEngineProcess({
        ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
        ...processOptions,
      });
      const engine = engineName(processOptions.command);
      metrics.runs.inc({ engine, kind, outcome: result.outcome });
      metrics.duration.observe({ engine, kind }, result.durationMs / 1000);
      const reported = result.result;
      if (reported?.tokens) {
        metrics.tokens.inc({ engine, kind, direction: 'input' }, reported.tokens.input);
        metrics.tokens.inc({ engine, kind, direction: 'output' }, reported.tokens.output);
      }
      if (reported?.costUsd !== undefined) metrics.cost.inc({ engine, kind }, reported.costUsd);
      return result;
    },
  };
}
