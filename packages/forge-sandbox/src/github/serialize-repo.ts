import type { AccessLevel, RepoRecord, UserRecord } from '../model/types.js';
import { type GithubUrls, nodeId } from './urls.js';

/** A `simple-user`: GitHub's user object in every payload. */
export function githubUser(urls: GithubUrls, user: UserRecord) {
  const api = `${urls.api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    avatar_url: `${urls.web}/avatars/u/${user.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

// The API links every repository object carries, as `[field, path under the repository, template suffix]`.
const repoLinks: readonly [string, string, string][] = [
  ['forks_url', '/forks', ''],
  ['keys_url', '/keys', '{/key_id}'],
  ['collaborators_url', '/collaborators', '{/collaborator}'],
  ['teams_url', '/teams', ''],
  ['hooks_url', '/hooks', ''],
  ['issue_events_url', '/issues/events', '{/number}'],
  ['events_url', '/events', ''],
  ['assignees_url', '/assignees', '{/user}'],
  ['branches_url', '/branches', '{/branch}'],
  ['tags_url', '/tags', ''],
  ['blobs_url', '/git/blobs', '{/sha}'],
  ['git_tags_url', '/git/tags', '{/sha}'],
  ['git_refs_url', '/git/refs', '{/sha}'],
  ['trees_url', '/git/trees', '{/sha}'],
  ['statuses_url', '/statuses/', '{sha}'],
  ['languages_url', '/languages', ''],
  ['stargazers_url', '/stargazers', ''],
  ['contributors_url', '/contributors', ''],
  ['subscribers_url', '/subscribers', ''],
  ['subscription_url', '/subscription', ''],
  ['commits_url', '/commits', '{/sha}'],
  ['git_commits_url', '/git/commits', '{/sha}'],
  ['comments_url', '/comments', '{/number}'],
  ['issue_comment_url', '/issues/comments', '{/number}'],
  ['contents_url', '/contents/', '{+path}'],
  ['compare_url', '/compare/', '{base}...{head}'],
  ['merges_url', '/merges', ''],
  ['archive_url', '/', '{archive_format}{/ref}'],
  ['downloads_url', '/downloads', ''],
  ['issues_url', '/issues', '{/number}'],
  ['pulls_url', '/pulls', '{/number}'],
  ['milestones_url', '/milestones', '{/number}'],
  ['notifications_url', '/notifications', '{?since,all,participating}'],
  ['labels_url', '/labels', '{/name}'],
  ['releases_url', '/releases', '{/id}'],
  ['deployments_url', '/deployments', ''],
];

/** A `minimal-repository`: the fields every repository object has. */
export function githubMinimalRepo(urls: GithubUrls, repo: RepoRecord, owner: UserRecord) {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const links = Object.fromEntries(
    repoLinks.map(([field, path, template]) => [field, `${api}${path}${template}`]),
  );
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner: githubUser(urls, owner),
    html_url: `${urls.web}/${repo.fullName}`,
    description: null,
    fork: false,
    url: api,
    ...links,
  };
}

export const githubPermissions = (level: AccessLevel) => ({
  admin: level === 'admin',
  maintain: level === 'admin',
  push: level === 'admin' || level === 'write',
  triage: level !== 'none',
  pull: level !== 'none',
});

/** A `repository` as it appears in pull requests and webhooks. */
export function githubRepo(urls: GithubUrls, repo: RepoRecord, owner: UserRecord) {
  const host = new URL(urls.web).host;
  return {
    ...githubMinimalRepo(urls, repo, owner),
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: `${urls.web}/${repo.fullName}.git`,
    svn_url: `${urls.web}/${repo.fullName}`,
    homepage: null,
    size: 1,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: 'private',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: repo.defaultBranch,
    custom_properties: {},
  };
}

/** A `full-repository`: `GET /repos/{owner}/{repo}`, with the caller's permissions. */
export function githubFullRepo(urls: GithubUrls, repo: RepoRecord, owner: UserRecord, access: AccessLevel) {
  return {
    ...githubRepo(urls, repo, owner),
    permissions: githubPermissions(access),
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    network_count: 0,
    subscribers_count: 1,
    // Only an owner organization's repositories name it; a clone token only shows to admins.
    organization: null,
    temp_clone_token: null,
  };
}
