import { runActions, stepActions } from './actions.js';
import { get } from './api.js';
import { h, replace, status, time } from './dom.js';

const runLink = (run) =>
  h('a', { href: `/console/runs/${encodeURIComponent(run.id)}` }, `#${run.taigaItem.ref} ${run.title}`);

/** What waits for a person: steps in QA under manual QA, blocked runs, and plans waiting for approval. */
export async function waitingPage(main) {
  // What the last action answered stays above the lists, which are drawn again after each action.
  const output = h('div', { 'aria-live': 'polite' });
  const lists = h('div', {});
  const section = (title, items, render, empty) => {
    // An id without spaces: aria-labelledby takes a list of ids.
    const id = `h-${title.toLowerCase().replaceAll(' ', '-')}`;
    return h(
      'section',
      { 'aria-labelledby': id },
      h('h2', { id }, `${title} (${items.length})`),
      items.length === 0
        ? h('p', { class: 'muted' }, empty)
        : h('div', { class: 'cards' }, items.map(render)),
    );
  };
  const card = (head, facts, buttons) =>
    h('article', { class: 'card' }, head, facts, h('div', { class: 'actions' }, buttons));
  const load = async () => {
    const data = await get('/attention');
    replace(
      lists,
      section(
        'Steps waiting for QA',
        data.needsQa,
        ({ step, run }) =>
          card(
            h('h3', {}, runLink(run), ' · step ', String(step.order + 1), ': ', step.title),
            h('p', {}, status(step.status), ' ', step.resultSummary ?? ''),
            stepActions(step, run.status, output, load),
          ),
        'No step waits for QA.',
      ),
      section(
        'Plans waiting for approval',
        data.awaitingApproval,
        (run) =>
          card(
            h('h3', {}, runLink(run)),
            h('p', {}, status(run.status), ' since ', time(run.updatedAt)),
            runActions(run, output, load),
          ),
        'No plan waits for approval.',
      ),
      section(
        'Blocked runs',
        data.blocked,
        (run) =>
          card(
            h('h3', {}, runLink(run)),
            h('p', {}, status(run.status), ' ', run.reason ?? 'no reason given'),
            runActions(run, output, load),
          ),
        'No run is blocked.',
      ),
    );
  };
  replace(main, h('h1', {}, 'Waiting for a person'), output, lists);
  await load();
}
