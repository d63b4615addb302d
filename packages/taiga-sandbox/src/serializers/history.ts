import { valuesDiff } from '../state/history.js';
import type { HistoryEntryRecord } from '../state/types.js';
import { isoDate, type SerializeContext } from './context.js';

/** `GET /history/{type}/{id}` items: taiga-back's REST `HistoryEntrySerializer`. */
export function serializeHistoryEntry(
  ctx: SerializeContext,
  entry: HistoryEntryRecord,
): Record<string, unknown> {
  const owner = ctx.store.users.get(entry.userId);
  const active = owner?.isActive ?? false;
  return {
    id: entry.id,
    user: {
      pk: entry.userId,
      username: active ? (owner?.username ?? null) : null,
      name: active && owner ? owner.fullName || owner.username : entry.userName,
      photo: null,
      is_active: active,
      gravatar_id: owner?.gravatarId ?? null,
    },
    created_at: isoDate(entry.createdAt),
    type: entry.type,
    key: entry.key,
    diff: entry.diff,
    snapshot: entry.snapshot,
    values: entry.values,
    values_diff: valuesDiff(entry),
    comment: entry.comment,
    comment_html: entry.commentHtml,
    delete_comment_date: isoDate(entry.deleteCommentDate),
    delete_comment_user: entry.deleteCommentUser,
    edit_comment_date: isoDate(entry.editCommentDate),
    is_hidden: false,
    is_snapshot: entry.snapshot !== null,
  };
}
