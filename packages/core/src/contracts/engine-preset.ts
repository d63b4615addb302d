import { z } from 'zod';

/**
 * How a project names the program of an engine: a known coding agent (a preset, whose argv Tundra builds and
 * whose output it reads) or any command. Pure: this module imports nothing but zod, so the project contract can
 * take these schemas as they are.
 */
export const EnginePresetKind = {
  ClaudeCode: 'claude-code',
  Codex: 'codex',
  Aider: 'aider',
  Command: 'command',
} as const;
export type EnginePresetKind = (typeof EnginePresetKind)[keyof typeof EnginePresetKind];

const argv = z.array(z.string().min(1)).min(1);
/** Arguments appended after the ones Tundra builds, for what the preset does not cover. */
const extraArgs = z.array(z.string().min(1)).max(100).optional();
/** A model name as the tool takes it (`claude-sonnet-4-5`, `gpt-5-codex`, `anthropic/claude-sonnet-4-5`). */
export const ModelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]*$/, 'a model name: letters, digits and . _ : / @ [ ] -');

/** Claude Code's `--permission-mode` values (2.1.x). */
export const ClaudePermissionMode = z.enum([
  'acceptEdits',
  'auto',
  'bypassPermissions',
  'default',
  'dontAsk',
  'manual',
  'plan',
]);
export type ClaudePermissionMode = z.infer<typeof ClaudePermissionMode>;

/** Codex's `--sandbox` values (0.171). */
export const CodexSandboxMode = z.enum(['read-only', 'workspace-write', 'danger-full-access']);
export type CodexSandboxMode = z.infer<typeof CodexSandboxMode>;

export const ClaudeCodePreset = z.object({
  kind: z.literal(EnginePresetKind.ClaudeCode),
  model: ModelName.optional(),
  /** Permission rules passed as `--allowedTools` (`Edit`, `Bash(npm test)`, `Bash(git diff:*)`). */
  allowedTools: z.array(z.string().min(1).max(500)).max(200).optional(),
  permissionMode: ClaudePermissionMode.optional(),
  extraArgs,
});
export type ClaudeCodePreset = z.infer<typeof ClaudeCodePreset>;

export const CodexPreset = z.object({
  kind: z.literal(EnginePresetKind.Codex),
  model: ModelName.optional(),
  sandbox: CodexSandboxMode.optional(),
  extraArgs,
});
export type CodexPreset = z.infer<typeof CodexPreset>;

export const AiderPreset = z.object({
  kind: z.literal(EnginePresetKind.Aider),
  model: ModelName.optional(),
  extraArgs,
});
export type AiderPreset = z.infer<typeof AiderPreset>;

export const CommandPreset = z.object({ kind: z.literal(EnginePresetKind.Command), command: argv });
export type CommandPreset = z.infer<typeof CommandPreset>;

/** An engine: one of the presets, or a command as before. */
export const EnginePreset = z.discriminatedUnion('kind', [
  ClaudeCodePreset,
  CodexPreset,
  AiderPreset,
  CommandPreset,
]);
export type EnginePreset = z.infer<typeof EnginePreset>;
/** The presets whose argv Tundra builds and whose output it reads. */
export type AgentPreset = ClaudeCodePreset | CodexPreset | AiderPreset;

/** What a model costs, in US dollars per million tokens. */
export const ModelPrice = z.object({
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
  /** Input read from the provider's prompt cache; the input price when absent. */
  cachedInputPerMTok: z.number().min(0).optional(),
  /** Input written to the provider's prompt cache; the input price when absent. */
  cacheWritePerMTok: z.number().min(0).optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

/** Prices by model name, for tools that report tokens but no cost (and for a running estimate until they do). */
export const PriceTable = z.record(ModelName, ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;
