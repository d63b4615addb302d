/**
 * What a new project gets, copied from Taiga's default "scrum" template as the captures show it, and Tundra's own
 * status preset.
 */

export interface StatusTemplate {
  name: string;
  slug: string;
  color: string;
  isClosed: boolean;
  isArchived?: boolean;
  wipLimit?: number;
}

export const StatusPreset = { taigaDefault: 'taiga-default', tundra: 'tundra' } as const;
export type StatusPreset = (typeof StatusPreset)[keyof typeof StatusPreset];

const taigaTaskStatuses: readonly StatusTemplate[] = [
  { name: 'New', slug: 'new', color: '#70728F', isClosed: false },
  { name: 'In progress', slug: 'in-progress', color: '#E47C40', isClosed: false },
  { name: 'Ready for test', slug: 'ready-for-test', color: '#E4CE40', isClosed: false },
  { name: 'Closed', slug: 'closed', color: '#A8E440', isClosed: true },
  { name: 'Needs Info', slug: 'needs-info', color: '#5178D3', isClosed: false },
];

const taigaUserStoryStatuses: readonly StatusTemplate[] = [
  { name: 'New', slug: 'new', color: '#70728F', isClosed: false },
  { name: 'Ready', slug: 'ready', color: '#E44057', isClosed: false },
  { name: 'In progress', slug: 'in-progress', color: '#E47C40', isClosed: false },
  { name: 'Ready for test', slug: 'ready-for-test', color: '#E4CE40', isClosed: false },
  { name: 'Done', slug: 'done', color: '#A8E440', isClosed: true },
  { name: 'Archived', slug: 'archived', color: '#A9AABC', isClosed: true, isArchived: true },
];

// Taiga derives a status slug from its name (Django's slugify keeps underscores): naming these statuses by their
// slugs keeps the names and slugs a real Taiga would produce in agreement.
const tundraStatuses: readonly StatusTemplate[] = [
  { name: 'pending', slug: 'pending', color: '#70728F', isClosed: false },
  { name: 'in_progress', slug: 'in_progress', color: '#E47C40', isClosed: false },
  { name: 'completed', slug: 'completed', color: '#A8E440', isClosed: true },
  { name: 'blocked', slug: 'blocked', color: '#E44057', isClosed: false },
  { name: 'approved', slug: 'approved', color: '#40E47C', isClosed: true },
  { name: 'rejected', slug: 'rejected', color: '#A9AABC', isClosed: true },
  { name: 'canceled', slug: 'canceled', color: '#5178D3', isClosed: true },
];

export function taskStatusTemplates(preset: StatusPreset): readonly StatusTemplate[] {
  return preset === StatusPreset.tundra ? tundraStatuses : taigaTaskStatuses;
}

export function userStoryStatusTemplates(preset: StatusPreset): readonly StatusTemplate[] {
  return preset === StatusPreset.tundra ? tundraStatuses : taigaUserStoryStatuses;
}

export const issueStatusTemplates: readonly StatusTemplate[] = [
  { name: 'New', slug: 'new', color: '#70728F', isClosed: false },
  { name: 'In progress', slug: 'in-progress', color: '#40A8E4', isClosed: false },
  { name: 'Ready for test', slug: 'ready-for-test', color: '#E4CE40', isClosed: false },
  { name: 'Closed', slug: 'closed', color: '#A8E440', isClosed: true },
  { name: 'Needs Info', slug: 'needs-info', color: '#E44057', isClosed: false },
  { name: 'Rejected', slug: 'rejected', color: '#A9AABC', isClosed: true },
  { name: 'Postponed', slug: 'postponed', color: '#5178D3', isClosed: false },
];

export const epicStatusTemplates: readonly StatusTemplate[] = [
  { name: 'New', slug: 'new', color: '#70728F', isClosed: false },
  { name: 'Ready', slug: 'ready', color: '#E44057', isClosed: false },
  { name: 'In progress', slug: 'in-progress', color: '#E47C40', isClosed: false },
  { name: 'Ready for test', slug: 'ready-for-test', color: '#E4CE40', isClosed: false },
  { name: 'Done', slug: 'done', color: '#A8E440', isClosed: true },
];

export const issueTypeTemplates = [
  { name: 'Bug', order: 1, color: '#E44057' },
  { name: 'Question', order: 2, color: '#5178D3' },
  { name: 'Enhancement', order: 3, color: '#40E4CE' },
] as const;

export const priorityTemplates = [
  { name: 'Low', order: 1, color: '#A8E440' },
  { name: 'Normal', order: 3, color: '#E4CE40' },
  { name: 'High', order: 5, color: '#E47C40' },
] as const;

export const severityTemplates = [
  { name: 'Wishlist', order: 1, color: '#70728F' },
  { name: 'Minor', order: 2, color: '#40A8E4' },
  { name: 'Normal', order: 3, color: '#40E47C' },
  { name: 'Important', order: 4, color: '#E4A240' },
  { name: 'Critical', order: 5, color: '#D35450' },
] as const;

export const pointsTemplates: readonly { name: string; value: number | null }[] = [
  { name: '?', value: null },
  { name: '0', value: 0 },
  { name: '1/2', value: 0.5 },
  { name: '1', value: 1 },
  { name: '2', value: 2 },
  { name: '3', value: 3 },
  { name: '5', value: 5 },
  { name: '8', value: 8 },
  { name: '10', value: 10 },
  { name: '13', value: 13 },
  { name: '20', value: 20 },
  { name: '40', value: 40 },
];

export const dueDateTemplates = [
  { name: 'Default', order: 1, by_default: true, color: '#9dce0a', days_to_due: null },
  { name: 'Due soon', order: 2, by_default: false, color: '#ff9900', days_to_due: 14 },
  { name: 'Past due', order: 3, by_default: false, color: '#E44057', days_to_due: 0 },
] as const;

/** The permissions every role of the default template has. */
export const memberPermissions: readonly string[] = [
  'add_issue',
  'modify_issue',
  'delete_issue',
  'view_issues',
  'add_milestone',
  'modify_milestone',
  'delete_milestone',
  'view_milestones',
  'view_project',
  'add_task',
  'modify_task',
  'delete_task',
  'view_tasks',
  'add_us',
  'modify_us',
  'delete_us',
  'view_us',
  'add_wiki_page',
  'modify_wiki_page',
  'delete_wiki_page',
  'view_wiki_pages',
  'add_wiki_link',
  'delete_wiki_link',
  'view_wiki_links',
  'view_epics',
  'add_epic',
  'modify_epic',
  'delete_epic',
  'comment_epic',
  'comment_us',
  'comment_task',
  'comment_issue',
  'comment_wiki_page',
];

/** Every member permission Taiga knows (`MEMBERS_PERMISSIONS`): a project admin has them all, whatever its role. */
export const memberPermissionNames: readonly string[] = [
  'view_project',
  'view_milestones',
  'add_milestone',
  'modify_milestone',
  'delete_milestone',
  'view_epics',
  'add_epic',
  'modify_epic',
  'comment_epic',
  'delete_epic',
  'view_us',
  'add_us',
  'modify_us',
  'comment_us',
  'delete_us',
  'view_tasks',
  'add_task',
  'modify_task',
  'comment_task',
  'delete_task',
  'view_issues',
  'add_issue',
  'modify_issue',
  'comment_issue',
  'delete_issue',
  'view_wiki_pages',
  'add_wiki_page',
  'modify_wiki_page',
  'comment_wiki_page',
  'delete_wiki_page',
  'view_wiki_links',
  'add_wiki_link',
  'modify_wiki_link',
  'delete_wiki_link',
];

/** What a project admin has on top (`ADMINS_PERMISSIONS`). */
export const adminPermissions: readonly string[] = [
  'modify_project',
  'delete_project',
  'add_member',
  'remove_member',
  'admin_project_values',
  'admin_roles',
];

const stakeholderPermissions: readonly string[] = [
  'add_issue',
  'modify_issue',
  'delete_issue',
  'view_issues',
  'view_milestones',
  'view_project',
  'view_tasks',
  'view_us',
  'modify_wiki_page',
  'view_wiki_pages',
  'add_wiki_link',
  'delete_wiki_link',
  'view_wiki_links',
  'view_epics',
  'comment_epic',
  'comment_us',
  'comment_task',
  'comment_issue',
  'comment_wiki_page',
];

export const roleTemplates = [
  { name: 'UX', slug: 'ux', order: 10, computable: true, permissions: memberPermissions },
  { name: 'Design', slug: 'design', order: 20, computable: true, permissions: memberPermissions },
  { name: 'Front', slug: 'front', order: 30, computable: true, permissions: memberPermissions },
  { name: 'Back', slug: 'back', order: 40, computable: true, permissions: memberPermissions },
  {
    name: 'Product Owner',
    slug: 'product-owner',
    order: 50,
    computable: false,
    permissions: memberPermissions,
  },
  {
    name: 'Stakeholder',
    slug: 'stakeholder',
    order: 60,
    computable: false,
    permissions: stakeholderPermissions,
  },
] as const;
