import type { IssueRecord } from '../state/types.js';
import { isoDate, markdownHtml, type SerializeContext } from './context.js';
import { isClosed, serializeItemMixins, serializeNeighbors } from './item-common.js';

/** `IssueListSerializer`: `GET /issues` items. */
export function serializeIssueListItem(ctx: SerializeContext, issue: IssueRecord): Record<string, unknown> {
  return {
    ...serializeItemMixins(ctx, issue),
    id: issue.id,
    ref: issue.ref,
    severity: issue.severityId,
    priority: issue.priorityId,
    type: issue.typeId,
    milestone: null,
    created_date: isoDate(issue.createdDate),
    modified_date: isoDate(issue.modifiedDate),
    finished_date: isoDate(issue.finishedDate),
    subject: issue.subject,
    external_reference: null,
    version: issue.version,
    watchers: [...issue.watchers],
    is_blocked: issue.isBlocked,
    blocked_note: issue.blockedNote,
    is_closed: isClosed(ctx, issue),
  };
}

/** `IssueSerializer`: the body of a PATCH. */
export function serializeIssueDetail(ctx: SerializeContext, issue: IssueRecord): Record<string, unknown> {
  return {
    ...serializeIssueListItem(ctx, issue),
    generated_user_stories: null,
    comment: '',
    blocked_note_html: markdownHtml(ctx, issue.projectId, issue.blockedNote),
    description: issue.description,
    description_html: markdownHtml(ctx, issue.projectId, issue.description),
  };
}

/** `IssueNeighborsSerializer`: `GET /issues/{id}`. */
export function serializeIssueWithNeighbors(
  ctx: SerializeContext,
  issue: IssueRecord,
): Record<string, unknown> {
  return {
    ...serializeIssueDetail(ctx, issue),
    neighbors: serializeNeighbors([...ctx.store.issues.values()], issue),
  };
}
