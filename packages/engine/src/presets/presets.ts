import { aiderInvocation, createAiderReader } from './aider.js';
import { claudeCodeInvocation, createClaudeCodeReader } from './claude-code.js';
import { codexInvocation, createCodexReader } from './codex.js';
import type { AgentPreset, EnginePreset } from './engine-preset.js';
import type { EngineInvocation, InvocationInput } from './invocation.js';
import { createOutputParser, type OutputParser, type OutputParserOptions } from './output-parser.js';

/** How to start an engine: a preset's argv and stdin, or a command as it is (its input in Tundra's files). */
export function buildInvocation(preset: EnginePreset, input: InvocationInput): EngineInvocation {
  switch (preset.kind) {
    case 'claude-code':
      return claudeCodeInvocation(preset, input);
    case 'codex':
      return codexInvocation(preset, input);
    case 'aider':
      return aiderInvocation(preset, input);
    case 'command':
      return { argv: [...preset.command] };
    default:
      return preset satisfies never;
  }
}

/** A parser of one run's output for an agent preset; the model Tundra asked for stands until the tool says. */
export function createPresetParser(
  preset: AgentPreset,
  options: Omit<OutputParserOptions, 'model'> = {},
): OutputParser {
  const parserOptions = { ...options, model: preset.model ?? null };
  switch (preset.kind) {
    case 'claude-code':
      return createOutputParser(createClaudeCodeReader(), parserOptions);
    case 'codex':
      return createOutputParser(createCodexReader(), parserOptions);
    case 'aider':
      return createOutputParser(createAiderReader(), parserOptions);
    default:
      return preset satisfies never;
  }
}

/** Whether Tundra reads this engine's output (a preset), or only its result file (a command). */
export function isAgentPreset(preset: EnginePreset): preset is AgentPreset {
  return preset.kind !== 'command';
}
