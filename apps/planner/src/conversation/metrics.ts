import { Counter, type Registry } from 'prom-client';

/** What people said to Tundra on Taiga, counted: commands by name and outcome, refusals, feedback. */
export interface ConversationMetrics {
  /** `outcome`: `acted`, `answered` (status, help), `refused` (nothing to do now), `not_allowed`, `unknown`. */
  commands: Counter<'command' | 'outcome'>;
  /** Commands refused because of who wrote them: `not_member`, `role`. */
  refusals: Counter<'reason'>;
  feedback: Counter<'project'>;
}

export function createConversationMetrics(registry: Registry): ConversationMetrics {
  return {
    commands: new Counter({
      name: 'tundra_taiga_commands_total',
      help: 'Comment commands taken in from Taiga, by command and outcome.',
      labelNames: ['command', 'outcome'] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'tundra_taiga_command_refusals_total',
      help: 'Comment commands refused because their author may not modify the item, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    feedback: new Counter({
      name: 'tundra_taiga_feedback_comments_total',
      help: "People's plain comments on tracked items kept as feedback for the agent, by project.",
      labelNames: ['project'] as const,
      registers: [registry],
    }),
  };
}
