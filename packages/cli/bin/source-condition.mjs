// A module resolution hook for running `tundra` from its sources (bin/tundra.mjs): resolves every import with the
// `source` export condition too, as `node --conditions=source` does, so workspace packages load from src/.

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'source'] });
}
