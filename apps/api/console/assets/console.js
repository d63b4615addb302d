import { loadSession, signOut } from './api.js';
import { h, replace } from './dom.js';
import { inboxPage } from './page-inbox.js';
import { projectPage, projectsPage } from './page-projects.js';
import { runPage } from './page-run.js';
import { runsPage } from './page-runs.js';
import { waitingPage } from './page-waiting.js';

// Each page is a plain URL under /console, rendered here from the API's data: links and the back button work.
const routes = [
  [/^\/console\/?$/, waitingPage, '/console/'],
  [/^\/console\/runs\/?$/, runsPage, '/console/runs'],
  [/^\/console\/runs\/([^/]+)$/, runPage, '/console/runs'],
  [/^\/console\/projects\/?$/, projectsPage, '/console/projects'],
  [/^\/console\/projects\/([^/]+)$/, projectPage, '/console/projects'],
  [/^\/console\/inbox\/?$/, inboxPage, '/console/inbox'],
];

async function main() {
  const session = await loadSession();
  // Pages start their own requests at once; the session above is one small answer.
  const { principal } = session;
  document.getElementById('who').textContent = `Signed in as ${principal.name}`;
  if (principal.kind === 'admin')
    for (const el of document.querySelectorAll('[data-admin]')) el.hidden = false;
  document.getElementById('sign-out').addEventListener('click', async () => {
    await signOut();
    location.assign('/console/sign-in');
  });
  const main = document.getElementById('main');
  const path = location.pathname;
  const route = routes.find(([pattern]) => pattern.test(path));
  for (const link of document.querySelectorAll('.top nav a:not(.brand)'))
    if (route && link.getAttribute('href') === route[2]) link.setAttribute('aria-current', 'page');
  if (!route) {
    replace(
      main,
      h('h1', {}, 'Not found'),
      h('p', {}, 'No console page here. ', h('a', { href: '/console/' }, 'Back to the start.')),
    );
    return;
  }
  const match = path.match(route[0]);
  const params = new URLSearchParams(location.search);
  try {
    await route[1](main, { session, id: match[1] ? decodeURIComponent(match[1]) : null, params });
  } catch (error) {
    replace(
      main,
      h('h1', {}, 'Something went wrong'),
      h('p', { class: 'refusal', role: 'alert' }, error.message),
    );
  }
  document.body.dataset.ready = 'true';
  // What bench/console measures: the page drawn with its data.
  performance.mark('tundra:ready');
}

main();
