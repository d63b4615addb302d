import type { Keys, RedisClient } from '@tundra/core/server';
import { createStepLogSink, type StepLogSink, type StepLogSinkOptions } from '@tundra/engine';

/** Where a step's engine output goes: the step's capped log stream (`keys.stepLog`), which the API tails. */
export class StepLogWriter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** A sink that appends the engine's lines to the step's log. */
  sink(runId: string, stepId: string, options: StepLogSinkOptions): StepLogSink {
    return createStepLogSink(this.redis, this.keys.stepLog(runId, stepId), options);
  }
}
