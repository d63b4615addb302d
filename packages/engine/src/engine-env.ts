import { PriceTable } from '@tundra/core';
import { envPositiveInt } from '@tundra/core/server';
import { z } from 'zod';

/**
 * The settings of every app that runs agent engines with a context file (the executor's exec engines, the
 * planner's plan engines): one definition, so both read the same variables the same way.
 */
export const agentEngineEnv = {
  /** Prices per model (JSON: model → {inputPerMTok, outputPerMTok, …}) for engines that report no cost. */
  TUNDRA_ENGINE_PRICES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        const parsed = PriceTable.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: 'custom', message: `not a price table: ${parsed.error.issues[0]?.message}` });
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
      }
      return z.NEVER;
    }),
  /** The context file's size cap, in bytes. */
  TUNDRA_CONTEXT_MAX_BYTES: envPositiveInt.default(65_536),
};

/**
 * The environment agent engines inherit: the app's own, without its Redis URL and Tundra settings. Engines need
 * PATH, HOME and their API keys; they have no business with Tundra's state.
 */
export function engineBaseEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => name !== 'REDIS_URL' && !name.startsWith('TUNDRA_')),
  );
}
