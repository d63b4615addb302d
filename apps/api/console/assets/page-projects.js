import { confirmAction } from './actions.js';
import { get, send } from './api.js';
import { h, replace, showRefusal, status, table, time, withoutCredentials } from './dom.js';

/** Every project the session may see. */
export async function projectsPage(main, { session }) {
  const { projects } = await get('/projects');
  replace(
    main,
    h('h1', {}, 'Projects'),
    projects.length === 0
      ? h('p', {}, 'No project is registered yet.')
      : table(
          ['Project', 'Taiga project', 'Repository', 'Runs'],
          projects.map((p) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                h('a', { href: `/console/projects/${encodeURIComponent(p.id)}` }, p.name),
                ' ',
                h('span', { class: 'muted mono' }, p.id),
              ),
              h('td', {}, taigaLink(session, p)),
              h('td', { class: 'mono' }, withoutCredentials(p.repository?.url ?? '')),
              h('td', {}, h('a', { href: `/console/runs?project=${encodeURIComponent(p.id)}` }, 'runs')),
            ),
          ),
        ),
  );
}

function taigaLink(session, project) {
  const slug = project.taiga?.projectSlug;
  if (!slug) return '';
  return session.taigaWebUrl
    ? h('a', { href: `${session.taigaWebUrl.replace(/\/+$/, '')}/project/${slug}`, rel: 'noreferrer' }, slug)
    : slug;
}

/** Masks what a person need not read: credentials in URLs (the API masks commands for project tokens itself). */
function masked(value) {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'string' ? withoutCredentials(v) : v)));
}

/** A project: its settings, the webhook's health from the ingester's inbox, and (for the admin) its tokens. */
export async function projectPage(main, { id, session }) {
  const { project } = await get(`/projects/${encodeURIComponent(id)}`);
  const { deliveries } = await get(`/inbox?project=${encodeURIComponent(id)}&limit=10`);
  const { version, createdAt, updatedAt, ...settings } = project;
  const last = deliveries[0];
  const health = last
    ? h('p', {}, 'Last delivery ', time(last.receivedAt), ' ', status(last.verdict), ` ${last.event ?? ''}`)
    : h('p', { class: 'muted' }, 'No delivery from Taiga in the inbox yet.');
  replace(
    main,
    h('h1', {}, project.name, ' ', h('span', { class: 'muted mono' }, project.id)),
    h(
      'p',
      {},
      'Taiga: ',
      taigaLink(session, project),
      ' · ',
      h('a', { href: `/console/runs?project=${encodeURIComponent(id)}` }, 'its runs'),
      ` · version ${version}, updated `,
      time(updatedAt),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-hook' },
      h('h2', { id: 'h-hook' }, 'Webhook health'),
      health,
      deliveries.length ? deliveryTable(deliveries) : null,
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-settings' },
      h('h2', { id: 'h-settings' }, 'Settings'),
      h(
        'pre',
        { class: 'settings', tabindex: 0, 'aria-label': 'Settings' },
        JSON.stringify(masked(settings), null, 2),
      ),
    ),
    session.principal.kind === 'admin' ? await tokensSection(id) : null,
  );
}

export function deliveryTable(deliveries, extra = () => null) {
  return table(
    ['Received', 'Source', 'Project', 'Event', 'Item', 'Verdict', 'Routes', ''],
    deliveries.map((d) =>
      h(
        'tr',
        {},
        h('td', {}, time(d.receivedAt)),
        h('td', {}, d.source),
        h('td', {}, d.projectKey ?? ''),
        h('td', { class: 'mono' }, d.event ?? ''),
        h('td', { class: 'mono' }, d.item ?? ''),
        h('td', {}, status(d.verdict), d.replayOf ? ` replay of ${d.replayOf}` : ''),
        h('td', { class: 'mono' }, (d.routes ?? []).join(', ')),
        h('td', {}, extra(d)),
      ),
    ),
  );
}

async function tokensSection(projectId) {
  const output = h('div', { 'aria-live': 'polite' });
  const list = h('ul', {});
  const base = `/projects/${encodeURIComponent(projectId)}/tokens`;
  const load = async () => {
    const { tokens } = await get(base);
    replace(
      list,
      tokens.length === 0
        ? h('li', { class: 'muted' }, 'No token.')
        : tokens.map((t) =>
            h(
              'li',
              {},
              h('strong', {}, t.name),
              ' made ',
              time(t.createdAt),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  onclick: async () => {
                    if (
                      (await confirmAction(
                        `Revoke the token ${t.name}? Whoever uses it is refused at once.`,
                      )) === null
                    )
                      return;
                    try {
                      await send('DELETE', `${base}/${encodeURIComponent(t.name)}`);
                      await load();
                    } catch (error) {
                      replace(output, h('p', { class: 'refusal', role: 'alert' }, error.message));
                    }
                  },
                },
                'Revoke',
              ),
            ),
          ),
    );
  };
  await load();
  const form = h(
    'form',
    { class: 'filters' },
    h(
      'div',
      {},
      h('label', { for: 't-name' }, 'New token’s name'),
      h('input', { id: 't-name', name: 'name', required: true, maxlength: 64 }),
    ),
    h('button', { type: 'submit' }, 'Make token'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const made = await send('POST', base, { name: String(new FormData(form).get('name')) });
      replace(
        output,
        h(
          'p',
          { class: 'notice', role: 'status' },
          'Copy it now; it is not shown again: ',
          h('code', {}, made.token),
        ),
      );
      form.reset();
      await load();
    } catch (error) {
      showRefusal(output, error);
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'h-tokens' },
    h('h2', { id: 'h-tokens' }, 'Tokens'),
    list,
    form,
    output,
  );
}
