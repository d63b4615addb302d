import { get, send } from './api.js';
import { duration, h, money, progress, replace, showRefusal, status, table, time } from './dom.js';

const pageSize = 50;
const terminal = new Set(['completed', 'cancelled', 'failed']);

/** The runs of a project, newest first, filtered by status and Taiga ref, a page at a time; and a form to start one. */
export async function runsPage(main, { params, session }) {
  const statuses = session.runStatuses ?? [];
  const state = params.get('status') ?? '';
  const ref = params.get('ref') ?? '';
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const query = new URLSearchParams({ offset: String(offset), limit: String(pageSize) });
  if (state) query.set('status', state);
  if (ref) query.set('ref', ref);
  const runsOf = (id) => get(`/projects/${encodeURIComponent(id)}/runs?${query}`);
  // With the project in the address, the runs and the project list load side by side.
  const named = params.get('project');
  const [{ projects }, early] = await Promise.all([get('/projects'), named ? runsOf(named) : null]);
  if (projects.length === 0) {
    replace(main, h('h1', {}, 'Runs'), h('p', {}, 'No project is registered yet.'));
    return;
  }
  const projectId = named ?? projects[0].id;
  const list = early ?? (await runsOf(projectId));

  const option = (value, label, selected) => h('option', { value, selected: selected || null }, label);
  const filters = h(
    'form',
    { class: 'filters', method: 'get', action: '/console/runs', role: 'search' },
    h(
      'div',
      {},
      h('label', { for: 'f-project' }, 'Project'),
      h(
        'select',
        { id: 'f-project', name: 'project' },
        projects.map((p) => option(p.id, p.name, p.id === projectId)),
      ),
    ),
    h(
      'div',
      {},
      h('label', { for: 'f-status' }, 'Status'),
      h(
        'select',
        { id: 'f-status', name: 'status' },
        option('', 'any', state === ''),
        statuses.map((s) => option(s, s, s === state)),
      ),
    ),
    h(
      'div',
      {},
      h('label', { for: 'f-ref' }, 'Taiga ref'),
      h('input', { id: 'f-ref', name: 'ref', inputmode: 'numeric', pattern: '[0-9]*', size: 6, value: ref }),
    ),
    h('button', { type: 'submit' }, 'Filter'),
  );

  const now = Date.now();
  const rows = list.protocols.map((run) =>
    h(
      'tr',
      {},
      h(
        'td',
        {},
        run.links?.taigaItem
          ? h('a', { href: run.links.taigaItem, rel: 'noreferrer' }, `#${run.taigaItem.ref}`)
          : `#${run.taigaItem.ref}`,
      ),
      h('td', {}, h('a', { href: `/console/runs/${encodeURIComponent(run.id)}` }, run.title)),
      h('td', {}, status(run.status)),
      h('td', {}, progress(run.stepStatuses)),
      h(
        'td',
        { class: 'hide-narrow' },
        duration((terminal.has(run.status) ? Date.parse(run.updatedAt) : now) - Date.parse(run.createdAt)),
      ),
      h('td', { class: 'hide-narrow' }, money(run.spend?.costUsd || null)),
      h('td', { class: 'hide-narrow' }, time(run.createdAt)),
    ),
  );
  const narrow = (text) => ({ text, class: 'hide-narrow' });
  const runsTable = table(
    ['Ref', 'Title', 'Status', 'Steps', narrow('Took'), narrow('Cost'), narrow('Started')],
    rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No run matches.')),
    h(
      'caption',
      { class: 'muted' },
      `${list.total} runs of ${projectId}${state ? `, ${state}` : ''}${ref ? `, ref #${ref}` : ''}; newest first`,
    ),
  );
  const pageLink = (to, label) => {
    const q = new URLSearchParams(params);
    q.set('project', projectId);
    q.set('offset', String(to));
    return h('a', { href: `/console/runs?${q}` }, label);
  };
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    offset > 0 ? pageLink(Math.max(0, offset - pageSize), '← Newer') : null,
    h(
      'span',
      { class: 'muted' },
      `${list.total === 0 ? 0 : offset + 1}–${Math.min(offset + pageSize, list.total)} of ${list.total}`,
    ),
    offset + pageSize < list.total ? pageLink(offset + pageSize, 'Older →') : null,
  );

  replace(main, h('h1', {}, 'Runs'), filters, runsTable, pager, startForm(projectId));
}

/** Starts a run for a Taiga ref of the project (POST /runs, with its own idempotency key). */
function startForm(projectId) {
  const output = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters', 'aria-labelledby': 'h-start' },
    h(
      'div',
      {},
      h('label', { for: 's-ref' }, 'Ref to start'),
      h('input', {
        id: 's-ref',
        name: 'ref',
        required: true,
        inputmode: 'numeric',
        pattern: '[0-9]+',
        size: 6,
      }),
    ),
    h(
      'div',
      {},
      h('label', { for: 's-reason' }, 'Reason'),
      h('input', { id: 's-reason', name: 'reason', maxlength: 500 }),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Start run'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { projectId, ref: Number(data.get('ref')) };
    if (data.get('reason')) body.reason = String(data.get('reason'));
    try {
      const result = await send('POST', '/runs', body);
      replace(
        output,
        h(
          'p',
          { class: 'notice', role: 'status' },
          result.status === 'active'
            ? 'This item already has an active run: '
            : `Accepted (job ${result.jobId}); the planner picks it up.`,
          result.protocol
            ? h(
                'a',
                { href: `/console/runs/${encodeURIComponent(result.protocol.id)}` },
                result.protocol.title,
              )
            : null,
        ),
      );
    } catch (error) {
      showRefusal(output, error);
    }
  });
  return h('section', {}, h('h2', { id: 'h-start' }, `Start a run in ${projectId}`), form, output);
}
