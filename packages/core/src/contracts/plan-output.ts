import { z } from 'zod';

/** What a `command` plan engine prints on stdout: the steps of the plan, in order. */
export const CommandPlanOutput = z.object({
  steps: z
    .array(
      z.object({
        title: z.string().min(1).max(500),
        instructions: z.string().max(100_000),
      }),
    )
    .min(1, 'a plan needs at least one step')
    .max(100),
});
export type CommandPlanOutput = z.infer<typeof CommandPlanOutput>;
