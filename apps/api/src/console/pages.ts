/** The console's two server-rendered pages: the sign-in form and the shell the page scripts fill in. */

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tundra</title>
<link rel="stylesheet" href="/console/assets/console.css">
<link rel="icon" href="data:,">
</head>
<body>
${body}
</body>
</html>
`;
}

/** The sign-in form; works without JavaScript (a plain form POST). */
export function signInPage(error: string | null): string {
  return page(
    'Sign in',
    `<main class="sign-in">
<h1>Tundra console</h1>
<form method="post" action="/console/sign-in">
<p>Sign in with the admin token or a project token.</p>
${error ? `<p class="refusal" role="alert">${escapeHtml(error)}</p>` : ''}
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

/** Every page script, announced up front so the browser fetches them at once rather than import by import. */
const modules = [
  'console.js',
  'api.js',
  'dom.js',
  'actions.js',
  'page-waiting.js',
  'page-runs.js',
  'page-run.js',
  'page-projects.js',
  'page-inbox.js',
];

/** The shell of every signed-in page; `console.js` renders the page the path names. */
export function shellPage(): string {
  return page(
    'Console',
    `<a class="skip" href="#main">Skip to content</a>
<header class="top">
<nav aria-label="Console">
<a href="/console/" class="brand">Tundra</a>
<a href="/console/">Waiting</a>
<a href="/console/runs">Runs</a>
<a href="/console/projects">Projects</a>
<a href="/console/inbox">Inbox</a>
<a href="/console/queues/" data-admin hidden>Queues</a>
</nav>
<span id="who" class="who"></span>
<button id="sign-out" type="button" class="link">Sign out</button>
</header>
<main id="main" tabindex="-1"><p class="muted">Loading…</p></main>
<dialog id="confirm" aria-labelledby="confirm-title">
<form method="dialog">
<h2 id="confirm-title">Are you sure?</h2>
<p id="confirm-text"></p>
<label for="confirm-reason" id="confirm-reason-label">Reason (optional)</label>
<input id="confirm-reason" name="reason" maxlength="500">
<div class="buttons"><button value="cancel" type="submit" formnovalidate>Back</button> <button value="ok" type="submit" class="danger" id="confirm-ok">Confirm</button></div>
</form>
</dialog>
${modules.map((name) => `<link rel="modulepreload" href="/console/assets/${name}">`).join('\n')}
<script type="module" src="/console/assets/console.js"></script>`,
  );
}
