import type { components, paths } from './generated/schema.js';

type Schemas = components['schemas'];

export type TaigaUser = Schemas['User'];
export type TaigaProject = Schemas['ProjectDetail'];
export type TaigaTaskStatus = Schemas['TaskStatus'];
export type TaigaUserStoryStatus = Schemas['UserStoryStatus'];
/** A task as `GET /tasks` lists it. */
export type TaigaTaskSummary = Schemas['Task'];
/** A task as `GET /tasks/{id}` and PATCH return it (with `description`). */
export type TaigaTask = Schemas['TaskDetail'];
export type TaigaUserStorySummary = Schemas['UserStory'];
export type TaigaUserStory = Schemas['UserStoryDetail'];
export type TaigaIssue = Schemas['IssueDetail'];
/** An issue as `GET /issues` lists it. */
export type TaigaIssueSummary = Schemas['Issue'];
export type TaigaIssueStatus = Schemas['IssueStatus'];
/** An issue type, priority or severity. */
export type TaigaIssueValue = Schemas['IssueValue'];
export type TaigaWikiPage = Schemas['WikiPage'];
export type TaigaWikiLink = Schemas['WikiLink'];
export type WikiPageCreateBody = Schemas['WikiPageCreate'];
export type WikiLinkCreateBody = Schemas['WikiLinkCreate'];
export type TaigaHistoryEntry = Schemas['HistoryEntry'];
export type TaigaHistoryObjectType = Schemas['HistoryObjectType'];
export type TaigaWebhook = Schemas['Webhook'];
export type TaigaWebhookLog = Schemas['WebhookLog'];

export type TaskCreateBody = Schemas['TaskCreate'];
export type UserStoryCreateBody = Schemas['UserStoryCreate'];
export type WebhookCreateBody = Schemas['WebhookCreate'];
export type WebhookPatchBody = Schemas['WebhookPatch'];
export type TaigaMembership = Schemas['Membership'];
export type TaigaRole = Schemas['Role'];
/** The fields a task PATCH may change; the client adds `version`. */
export type TaskChange = Omit<Schemas['TaskPatch'], 'version'>;
export type UserStoryChange = Omit<Schemas['UserStoryPatch'], 'version'>;
export type IssueChange = Omit<Schemas['IssuePatch'], 'version'>;

type ListQuery<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? Omit<NonNullable<Q>, 'page' | 'page_size'>
  : never;
export type TaskFilters = ListQuery<'/tasks'>;
export type UserStoryFilters = ListQuery<'/userstories'>;
export type IssueFilters = ListQuery<'/issues'>;

/**
 * How a list call gets everything: `follow` walks the `x-pagination-next` links page by page (bounded memory per
 * request, the default); `disable` sends `x-disable-pagination: True` and gets it all in one response.
 */
export type PaginationMode = 'follow' | 'disable';
