/**
 * The engine presets' schemas live with the project contract in `@tundra/core` (a project's `execEngine` is one);
 * this module re-exports them for the engine's own code and for `@tundra/engine/preset-config`.
 */
export {
  type AgentPreset,
  AiderPreset,
  ClaudeCodePreset,
  ClaudePermissionMode,
  CodexPreset,
  CodexSandboxMode,
  CommandPreset,
  EnginePreset,
  EnginePresetKind,
  ModelName,
  ModelPrice,
  PriceTable,
} from '@tundra/core';
