import type { TriggerRule } from '../contracts/project.js';

/** The trigger rules that start runs from Taiga (the ingester's routing rules of the same names). */
export const StartTrigger = { BotAssignment: 'bot_assignment', TriggerStatus: 'trigger_status' } as const;
export type StartTrigger = (typeof StartTrigger)[keyof typeof StartTrigger];

/** What Taiga says of an item now, read just before its run would start. */
export type StartItemFacts =
  | { kind: 'deleted' }
  | {
      kind: 'found';
      closed: boolean;
      /** `assigned_to`, or for a user story one of its `assigned_users`, is the bot. */
      assignedToBot: boolean;
      /** The slug of its status, when known. */
      statusSlug: string | null;
    };

export type StartDecision =
  | { start: true }
  | { start: false; reason: 'deleted' | 'closed' | 'not_triggered'; message: string };

/**
 * Whether a run may start for a Taiga item, judged on the item as it is now rather than on the webhook that asked:
 * deliveries arrive out of order (a close delivered before the assignment that preceded it). A deleted or closed
 * item starts nothing. A start a trigger asked for also needs the item still to meet the project's trigger, by
 * either rule (assigned to the bot, or in a trigger status). A start an operator asked for (`triggeredBy` null)
 * needs only an open item.
 */
export function decideRunStart(
  facts: StartItemFacts,
  context: { trigger: TriggerRule; triggeredBy: StartTrigger | null },
): StartDecision {
  if (facts.kind === 'deleted')
    return { start: false, reason: 'deleted', message: 'Taiga has no such item any more' };
  if (facts.closed) return { start: false, reason: 'closed', message: 'the item is closed' };
  if (context.triggeredBy === null) return { start: true };
  const byAssignment = context.trigger.onBotAssignment && facts.assignedToBot;
  const byStatus = facts.statusSlug !== null && context.trigger.statusSlugs.includes(facts.statusSlug);
  if (byAssignment || byStatus) return { start: true };
  const now =
    context.triggeredBy === StartTrigger.BotAssignment
      ? context.trigger.onBotAssignment
        ? 'the item is no longer assigned to the bot'
        : 'the project no longer starts runs on assignment'
      : `the item's status (${facts.statusSlug ?? 'unknown'}) is no longer a trigger status`;
  return {
    start: false,
    reason: 'not_triggered',
    message: `it was started by ${context.triggeredBy}, but ${now}`,
  };
}
