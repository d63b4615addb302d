import { runActions, stepActions } from './actions.js';
import { follow, get } from './api.js';
import { h, money, replace, status, table, time } from './dom.js';

/** The commit's page on the forge, when the repository is on GitHub or GitLab; null otherwise. */
function commitUrl(repositoryUrl, sha) {
  const match = /^https?:\/\/(?:[^/@]+@)?([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(repositoryUrl ?? '');
  if (!match || !sha) return null;
  if (/github/.test(match[1])) return `https://${match[1]}/${match[2]}/commit/${sha}`;
  if (/gitlab/.test(match[1])) return `https://${match[1]}/${match[2]}/-/commit/${sha}`;
  return null;
}

/** A run: its facts and actions, its steps with their logs, its live timeline, and the comments Tundra wrote. */
export async function runPage(main, { id }) {
  const path = `/runs/${encodeURIComponent(id)}`;
  let detail = await get(path);
  const project = await get(`/projects/${encodeURIComponent(detail.protocol.projectId)}`).then(
    (r) => r.project,
    () => null,
  );
  const header = h('div', {});
  const steps = h('div', {});
  const output = h('div', { 'aria-live': 'polite' });
  const live = h('span', { class: 'muted', role: 'status' }, 'connecting…');
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Timeline', tabindex: 0 });
  const logSection = h('section', { hidden: true, 'aria-labelledby': 'h-log' });
  const comments = h('div', {});
  let stopLog = () => {};

  const refresh = async () => {
    detail = await get(path);
    render();
  };
  // Events come in bursts (a step's transition, then the run's): one reload per burst.
  let reloadTimer = null;
  const refreshSoon = () => {
    if (reloadTimer !== null) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      refresh().catch(() => {});
    }, 250);
  };

  const openLog = (step) => {
    stopLog();
    const pre = h('pre', { class: 'log', tabindex: 0, 'aria-label': `Output of ${step.title}` });
    const state = h('span', { class: 'muted', role: 'status' }, 'connecting…');
    replace(
      logSection,
      h('h2', { id: 'h-log' }, `Log of step ${step.order + 1}: ${step.title} `, state),
      pre,
    );
    logSection.hidden = false;
    stopLog = follow(
      `/steps/${encodeURIComponent(step.id)}/logs/stream`,
      ({ data }) => {
        pre.append(h('span', { class: data.stream }, `${data.line}\n`));
        pre.scrollTop = pre.scrollHeight;
      },
      (s, message) => {
        state.textContent = message ?? s;
      },
    );
  };

  function render() {
    const run = detail.protocol;
    // The pull request the run delivers through, once one is open (projects that deliver by pull request).
    const pr = run.pullRequest ?? null;
    const spent = detail.spend?.costUsd ?? 0;
    replace(
      header,
      h('h1', {}, `#${run.taigaItem.ref} ${run.title}`),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Status'),
        h('dd', { id: 'run-status' }, status(run.status), run.reason ? ` ${run.reason}` : ''),
        h('dt', {}, 'Project'),
        h(
          'dd',
          {},
          h('a', { href: `/console/projects/${encodeURIComponent(run.projectId)}` }, run.projectId),
        ),
        h('dt', {}, 'Taiga'),
        h(
          'dd',
          {},
          run.links?.taigaItem
            ? h(
                'a',
                { href: run.links.taigaItem, rel: 'noreferrer' },
                `${run.taigaItem.type} #${run.taigaItem.ref}`,
              )
            : `${run.taigaItem.type} #${run.taigaItem.ref}`,
        ),
        h('dt', {}, 'Branch'),
        h('dd', { class: 'mono' }, run.branch ?? '—'),
        pr
          ? [
              h('dt', {}, 'Pull request'),
              h('dd', {}, h('a', { href: pr.url, rel: 'noreferrer' }, `#${pr.number} (${pr.forge})`)),
            ]
          : null,
        spent
          ? [
              h('dt', {}, 'Cost'),
              h(
                'dd',
                {},
                money(spent),
                ` · ${detail.spend.tokensIn} tokens in, ${detail.spend.tokensOut} out`,
              ),
            ]
          : null,
        h('dt', {}, 'Started'),
        h('dd', {}, time(run.createdAt)),
        h('dt', {}, 'Updated'),
        h('dd', {}, time(run.updatedAt)),
      ),
      h('div', { class: 'actions' }, runActions(run, output, refresh)),
      output,
    );
    const stepOutput = h('div', { 'aria-live': 'polite' });
    replace(
      steps,
      h('h2', {}, 'Steps'),
      detail.steps.length === 0
        ? h('p', { class: 'muted' }, 'Not planned yet.')
        : table(
            ['#', 'Step', 'Status', 'Tries', 'Commit', 'Cost', 'Actions'],
            detail.steps.map((step) => {
              const url = commitUrl(project?.repository?.url, step.commitSha);
              const sha = step.commitSha ? step.commitSha.slice(0, 10) : '—';
              return h(
                'tr',
                { 'data-step': step.id },
                h('td', {}, String(step.order + 1)),
                h(
                  'td',
                  {},
                  step.links?.taigaTask
                    ? h('a', { href: step.links.taigaTask, rel: 'noreferrer' }, step.title)
                    : step.title,
                ),
                h('td', {}, status(step.status)),
                h('td', {}, String(step.attempts)),
                h('td', { class: 'mono' }, url ? h('a', { href: url, rel: 'noreferrer' }, sha) : sha),
                h('td', {}, money(step.spend?.costUsd)),
                h(
                  'td',
                  {},
                  h(
                    'div',
                    { class: 'actions' },
                    h('button', { type: 'button', onclick: () => openLog(step) }, 'Log'),
                    stepActions(step, run.status, stepOutput, refresh),
                  ),
                ),
              );
            }),
          ),
      stepOutput,
    );
  }

  render();
  replace(
    main,
    header,
    steps,
    logSection,
    h(
      'section',
      { 'aria-labelledby': 'h-timeline' },
      h('h2', { id: 'h-timeline' }, 'Timeline ', live),
      timeline,
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-comments' },
      h('h2', { id: 'h-comments' }, 'Taiga comments'),
      comments,
    ),
  );

  const stopEvents = follow(
    `${path}/events/stream`,
    ({ data: event }) => {
      const reason = typeof event.payload?.reason === 'string' ? ` · ${event.payload.reason}` : '';
      const move = event.from && event.to && event.from !== event.to ? ` ${event.from} → ${event.to}` : '';
      const stepNo = detail.steps.find((s) => s.id === event.entityId);
      timeline.append(
        h(
          'li',
          { 'data-type': event.type, 'data-id': event.id },
          time(event.at),
          h('strong', {}, event.type),
          stepNo ? ` (step ${stepNo.order + 1})` : '',
          move,
          ` · ${event.actor.kind}:${event.actor.name}`,
          reason,
        ),
      );
      timeline.scrollTop = timeline.scrollHeight;
      refreshSoon();
    },
    (s, message) => {
      live.textContent = message ?? s;
      // Back after an outage: what changed meanwhile, or a reload that failed while the API was down, is only
      // seen by reading the run again (the resumed tail brings the events, not a failed reload).
      if (s === 'live') refreshSoon();
    },
  );
  window.addEventListener('pagehide', () => {
    stopEvents();
    stopLog();
  });

  get(`${path}/comments`).then(
    ({ comments: list }) => {
      replace(
        comments,
        list.length === 0
          ? h('p', { class: 'muted' }, 'No comment yet.')
          : h(
              'ul',
              {},
              list.map((c) =>
                h(
                  'li',
                  {},
                  h(
                    'p',
                    {},
                    c.on === 'step'
                      ? `On the step's task${c.posted ? '' : ' (not posted yet)'}: `
                      : `On the item${c.posted ? '' : ' (not posted yet)'}: `,
                  ),
                  h('pre', { class: 'settings' }, c.text),
                ),
              ),
            ),
      );
    },
    (error) => replace(comments, h('p', { class: 'refusal' }, error.message)),
  );
}
