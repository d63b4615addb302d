import type { EnginePreset, StepRun, StepSpend } from '@tundra/core';
import type { EngineAccount } from '@tundra/engine';

/** What an attempt's engine spent and with what, named as the step events carry it (reports and PR bodies read these). */
export interface AttemptFigures {
  costUsd?: number;
  tokensIn: number;
  tokensOut: number;
  model: string | null;
  sessionId: string | null;
  promptVersion: string | null;
}

/** The exec engine with the attempt's model, for the presets that take one (a command gets `$TUNDRA_MODEL`). */
export function withModel(engine: EnginePreset, model: string | null): EnginePreset {
  if (model === null || engine.kind === 'command') return engine;
  return { ...engine, model };
}

export function attemptFigures(
  account: EngineAccount,
  asked: string | null,
  promptVersion: string,
): AttemptFigures {
  return {
    ...(account.costUsd === null ? {} : { costUsd: account.costUsd }),
    tokensIn: account.tokens.input,
    tokensOut: account.tokens.output,
    model: account.model ?? asked,
    sessionId: account.sessionId,
    promptVersion,
  };
}

/** The step record's share of an attempt's figures: the model and prompt version it ran with, spending summed. */
export function recordOf(current: StepRun, figures: AttemptFigures | null): Partial<StepRun> {
  if (!figures) return {};
  const before: StepSpend = current.spend ?? { costUsd: 0, tokensIn: 0, tokensOut: 0 };
  return {
    model: figures.model,
    promptVersion: figures.promptVersion,
    spend: {
      costUsd: before.costUsd + (figures.costUsd ?? 0),
      tokensIn: before.tokensIn + figures.tokensIn,
      tokensOut: before.tokensOut + figures.tokensOut,
    },
  };
}
