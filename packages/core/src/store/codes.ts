/** Result codes of the store's Lua scripts; lua/includes/codes.lua holds the same values (codes.test.ts checks). */
export const ScriptCode = {
  Ok: 1,
  Replayed: 2,
  Exists: 3,
  NotFound: -1,
  StatusMismatch: -2,
  VersionMismatch: -3,
} as const;
export type ScriptCode = (typeof ScriptCode)[keyof typeof ScriptCode];

/** The Lua constant name for each code, e.g. `VersionMismatch` → `CODE_VERSION_MISMATCH`. */
export function luaConstantName(name: keyof typeof ScriptCode): string {
  return `CODE_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
