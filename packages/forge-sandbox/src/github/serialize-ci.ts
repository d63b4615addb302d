import type { CiJobRecord, CiRunRecord, PullRecord, RepoRecord } from '../model/types.js';
import type { GithubView } from './serialize-pull.js';
import { githubMinimalRepo, githubUser } from './serialize-repo.js';
import { nodeId } from './urls.js';

/** GitHub Actions, the app every check suite of a workflow run belongs to (its real id on github.com). */
function actionsApp(view: GithubView) {
  const owner = view.store.ensureUser('github');
  return {
    id: 15368,
    slug: 'github-actions',
    node_id: 'MDM6QXBwMTUzNjg=',
    owner: githubUser(view.urls, owner),
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${view.urls.web}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2019-12-10T19:04:12Z',
    permissions: {
      actions: 'write',
      checks: 'write',
      contents: 'write',
      metadata: 'read',
      pull_requests: 'write',
    },
    events: ['check_run', 'check_suite', 'pull_request', 'push', 'workflow_dispatch'],
  };
}

/** Open pull requests whose head is the run's commit, as `pull-request-minimal`. */
function pullsOf(view: GithubView, repo: RepoRecord, run: CiRunRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const ref = (branch: string, sha: string) => ({
    ref: branch,
    sha,
    repo: { id: repo.id, url: api, name: repo.name },
  });
  return view.store
    .pulls(repo.id)
    .filter((pull: PullRecord) => pull.state === 'open' && pull.head === run.branch)
    .map((pull) => ({
      url: `${api}/pulls/${pull.number}`,
      id: pull.id,
      number: pull.number,
      head: ref(pull.head, pull.headSha),
      base: ref(pull.base, pull.baseSha),
    }));
}

function headCommit(run: CiRunRecord) {
  const person = { name: 'Sandbox', email: 'sandbox@forge.invalid' };
  return {
    id: run.sha,
    tree_id: run.sha,
    message: `Commit ${run.sha.slice(0, 7)}`,
    timestamp: run.createdAt,
    author: person,
    committer: person,
  };
}

export function githubCheckSuite(view: GithubView, repo: RepoRecord, run: CiRunRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  return {
    id: run.suiteId,
    node_id: nodeId('CheckSuite', run.suiteId),
    head_branch: run.branch,
    head_sha: run.sha,
    status: run.status,
    conclusion: run.conclusion,
    url: `${api}/check-suites/${run.suiteId}`,
    before: null,
    after: run.sha,
    pull_requests: pullsOf(view, repo, run),
    app: actionsApp(view),
    repository: githubMinimalRepo(view.urls, repo, view.store.ensureUser(repo.owner)),
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    head_commit: headCommit(run),
    latest_check_runs_count: run.jobs.length,
    check_runs_url: `${api}/check-suites/${run.suiteId}/check-runs`,
    rerequestable: true,
    runs_rerequestable: true,
  };
}

/** A job of a workflow run as a `check-run`; its log's last lines are the output's text. */
export function githubCheckRun(view: GithubView, repo: RepoRecord, run: CiRunRecord, job: CiJobRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const html = `${view.urls.web}/${repo.fullName}/actions/runs/${run.id}/job/${job.id}`;
  return {
    id: job.id,
    head_sha: run.sha,
    node_id: nodeId('CheckRun', job.id),
    external_id: String(job.id),
    url: `${api}/check-runs/${job.id}`,
    html_url: html,
    details_url: html,
    status: job.status,
    conclusion: job.conclusion,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    output: {
      title: job.conclusion === null ? null : `${job.name}: ${job.conclusion}`,
      summary:
        job.conclusion === null ? null : `The job ${job.conclusion === 'success' ? 'passed' : 'failed'}.`,
      text: null,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${job.id}/annotations`,
    },
    name: job.name,
    check_suite: { id: run.suiteId },
    app: actionsApp(view),
    pull_requests: pullsOf(view, repo, run),
  };
}

export function githubWorkflowRun(view: GithubView, repo: RepoRecord, run: CiRunRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const url = `${api}/actions/runs/${run.id}`;
  const owner = view.store.ensureUser(repo.owner);
  const minimal = githubMinimalRepo(view.urls, repo, owner);
  const actor = githubUser(view.urls, owner);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('WorkflowRun', run.id),
    check_suite_id: run.suiteId,
    check_suite_node_id: nodeId('CheckSuite', run.suiteId),
    head_branch: run.branch,
    head_sha: run.sha,
    path: '.github/workflows/ci.yml',
    run_number: run.number,
    run_attempt: 1,
    referenced_workflows: [],
    event: 'push',
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: repo.id,
    url,
    html_url: `${view.urls.web}/${repo.fullName}/actions/runs/${run.id}`,
    pull_requests: pullsOf(view, repo, run),
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor,
    triggering_actor: actor,
    run_started_at: run.createdAt,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${api}/check-suites/${run.suiteId}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${api}/actions/workflows/${repo.id}`,
    head_commit: headCommit(run),
    repository: minimal,
    head_repository: minimal,
    display_title: run.name,
  };
}

/** A workflow job (`GET /actions/runs/{id}/jobs`). */
export function githubJob(view: GithubView, repo: RepoRecord, run: CiRunRecord, job: CiJobRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  return {
    id: job.id,
    run_id: run.id,
    run_url: `${api}/actions/runs/${run.id}`,
    run_attempt: 1,
    node_id: nodeId('CheckRun', job.id),
    head_sha: run.sha,
    url: `${api}/actions/jobs/${job.id}`,
    html_url: `${view.urls.web}/${repo.fullName}/actions/runs/${run.id}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: run.createdAt,
    started_at: job.startedAt ?? run.createdAt,
    completed_at: job.completedAt,
    name: job.name,
    steps: [],
    check_run_url: `${api}/check-runs/${job.id}`,
    labels: ['ubuntu-latest'],
    runner_id: 1,
    runner_name: 'GitHub Actions 1',
    runner_group_id: 2,
    runner_group_name: 'GitHub Actions',
    workflow_name: run.name,
    head_branch: run.branch,
  };
}
