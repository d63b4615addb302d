import type { EngineProcessResult } from '@tundra/engine';

/** Longest summary stored on a step: it is shown in Taiga comments and the API, not a log. */
const maxSummaryLength = 4_000;
const tailLinesInSummary = 20;

function bounded(text: string): string {
  return text.length <= maxSummaryLength ? text : `…${text.slice(text.length - maxSummaryLength + 1)}`;
}

/** What a successful execution says about itself: the engine's own summary, else its last line of output. */
export function successSummary(result: EngineProcessResult): string | null {
  const summary = result.result?.summary ?? [...result.tail].reverse().find((line) => line.trim() !== '');
  return summary === undefined ? null : bounded(summary.trim());
}

/** Why an execution failed, followed by the engine's last lines of output. */
export function failureSummary(reason: string, tail: readonly string[] = []): string {
  const lines = tail.slice(-tailLinesInSummary);
  return bounded(lines.length > 0 ? `${reason}\n--- last output ---\n${lines.join('\n')}` : reason);
}
