import { actionButton } from './actions.js';
import { get } from './api.js';
import { h, replace } from './dom.js';
import { deliveryTable } from './page-projects.js';

/** The ingester's recent deliveries with their verdicts and routes; the admin may replay one. */
export async function inboxPage(main, { session, params }) {
  const query = new URLSearchParams({ limit: '50' });
  if (params.get('project')) query.set('project', params.get('project'));
  if (params.get('before')) query.set('before', params.get('before'));
  const { deliveries, next } = await get(`/inbox?${query}`);
  const output = h('div', { 'aria-live': 'polite' });
  const admin = session.principal.kind === 'admin';
  const replay = (d) =>
    admin && !d.replayOf
      ? actionButton({
          label: 'Replay',
          path: `/inbox/${encodeURIComponent(d.id)}/actions/replay`,
          confirm: `Replay delivery ${d.id}? Its jobs are enqueued again.`,
          output,
        })
      : null;
  const older = new URLSearchParams(query);
  if (next) older.set('before', next);
  older.delete('limit');
  replace(
    main,
    h('h1', {}, 'Inbox'),
    h('p', { class: 'muted' }, 'The deliveries the ingester accepted, newest first.'),
    output,
    deliveries.length ? deliveryTable(deliveries, replay) : h('p', { class: 'muted' }, 'The inbox is empty.'),
    next
      ? h(
          'nav',
          { class: 'pager', 'aria-label': 'Pages' },
          h('a', { href: `/console/inbox?${older}` }, 'Older →'),
        )
      : null,
  );
}
