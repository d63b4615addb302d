import { TaigaItemType } from '@tundra/core';
import { z } from 'zod';
import { IgnoreReason, type Normalised, Source } from '../ingest/ingest-event.js';
import { boundedLabel, checkShape, isoTime } from './shape.js';

/** Who Tundra's own Taiga writes come from: webhooks caused by this user are dropped (loop prevention). */
export interface BotIdentity {
  username: string | null;
  userId: number | null;
}

// Only the fields the rules read are checked, and the schemas strip the rest rather than copy it (`looseObject`
// copies every key a sender sent, and Taiga sends dozens: most of the validation's cost per webhook).
const TaigaUser = z.object({ id: z.number().int(), username: z.string().optional() });

/** The envelope every Taiga webhook has (see the captures in the Taiga contract). */
export const TaigaWebhookBody = z.object({
  action: z.enum(['create', 'change', 'delete', 'test']),
  type: z.string().min(1),
  by: TaigaUser,
  date: z.string().optional(),
  // Kept as sent, uncopied: `TaigaItemData` below reads the few fields that matter, for the item types that matter.
  data: z.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'Invalid input: expected object',
  ),
  change: z
    .object({ diff: z.record(z.string(), z.unknown()).nullish(), comment: z.string().nullish() })
    .nullish(),
});

/** The fields of a user story or task the rules read; Taiga sends many more. */
const TaigaItemData = z.object({
  id: z.number().int().positive(),
  ref: z.number().int().positive(),
  status: z.object({ slug: z.string(), name: z.string() }).nullish(),
  assigned_to: z.union([TaigaUser, z.number().int()]).nullish(),
  // Taiga serialises a user story's assigned_users as ids; objects are accepted too, to be safe.
  assigned_users: z.array(z.union([z.number().int(), TaigaUser])).nullish(),
  is_blocked: z.boolean().nullish(),
});

const itemTypes = [TaigaItemType.Story, TaigaItemType.Task] as const;
const typeLabels = [...itemTypes, 'issue', 'epic', 'milestone', 'wikipage', 'test'] as const;
/**
 * Diff keys that a rule can act on; a change touching none of them and carrying no comment (a rename, a new
 * description) is dropped.
 */
const assignmentKeys = ['assigned_to', 'assigned_users'];

export function isBot(
  bot: BotIdentity,
  user: { id?: number | string | null; username?: string | null },
): boolean {
  return (
    (bot.username !== null && user.username === bot.username) ||
    (bot.userId !== null && user.id !== null && user.id !== undefined && Number(user.id) === bot.userId)
  );
}

/** Normalises a verified Taiga webhook body for project `projectId`. Pure: the receive time comes in. */
export function normaliseTaiga(
  body: unknown,
  ctx: { projectId: string; bot: BotIdentity; receivedAt: Date },
): Normalised {
  const envelope = checkShape(TaigaWebhookBody, body);
  if (!envelope.ok) return envelope.invalid;
  const { action, type, by, change } = envelope.data;
  const label = `${boundedLabel(type, typeLabels)}.${action}`;
  if (action === 'test') return { kind: 'test', label };
  if (isBot(ctx.bot, by)) return { kind: 'ignored', label, reason: IgnoreReason.BotUser };
  if (!(itemTypes as readonly string[]).includes(type))
    return { kind: 'ignored', label, reason: IgnoreReason.ItemType };

  const data = checkShape(TaigaItemData, envelope.data.data);
  if (!data.ok) return { kind: 'invalid', issues: data.invalid.issues.map((issue) => `data.${issue}`) };
  const diff = change?.diff ?? {};
  const statusDiff = diff.status as { from?: unknown; to?: unknown } | undefined;
  const assignmentChanged = assignmentKeys.some((key) => key in diff);
  const commented = action === 'change' && (change?.comment ?? '').trim() !== '';
  const item = data.data;
  const unblocked = action === 'change' && 'is_blocked' in diff && item.is_blocked === false;
  if (action === 'change' && statusDiff === undefined && !assignmentChanged && !commented && !unblocked) {
    return { kind: 'ignored', label, reason: IgnoreReason.IrrelevantChange };
  }

  const assignees = { ids: [] as number[], usernames: [] as string[] };
  for (const user of [item.assigned_to, ...(item.assigned_users ?? [])]) {
    if (user === null || user === undefined) continue;
    if (typeof user === 'number') assignees.ids.push(user);
    else {
      assignees.ids.push(user.id);
      if (user.username) assignees.usernames.push(user.username);
    }
  }
  const displayName = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    kind: 'event',
    event: {
      source: Source.Taiga,
      kind: label,
      projectId: ctx.projectId,
      action,
      item: { type: type as TaigaItemType, id: item.id, ref: item.ref },
      status: item.status ? { slug: item.status.slug, name: item.status.name } : null,
      assignees,
      statusChange: statusDiff
        ? { from: displayName(statusDiff.from), to: displayName(statusDiff.to) }
        : null,
      assignmentChanged,
      commented,
      unblocked,
      actor: { id: String(by.id), username: by.username ?? null },
      at: isoTime(envelope.data.date, ctx.receivedAt),
    },
  };
}
