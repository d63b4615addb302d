/**
 * A repository URL or path reduced to `host/owner/name` (or `owner/name`), lower case, without scheme, user,
 * port, `.git` or trailing slash: `git@github.com:Acme/Widgets.git` and `https://github.com/acme/widgets` are the same.
 */
export function normaliseRepository(value: string): string {
  let rest = value.trim().toLowerCase();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//.exec(rest);
  if (scheme) {
    // scheme://[user@]host[:port]/path: the port differs between a forge's ssh and https URLs, so it is dropped.
    rest = rest
      .slice(scheme[0].length)
      .replace(/^[^@/]+@/, '')
      .replace(/^([^/:]+):\d+\//, '$1/');
  } else {
    // scp-like git@host:path
    rest = rest.replace(/^[^@/]+@([^:/]+):/, '$1/');
  }
  return rest
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/^\/+/, '');
}

/**
 * Whether a project's `repository.url` names the repository an event comes from: equal once normalised, or the
 * project's URL ends with `/<alias>` (a CI callback often knows only `owner/name`).
 */
export function repositoryMatches(projectUrl: string, aliases: readonly string[]): boolean {
  const project = normaliseRepository(projectUrl);
  return aliases.some((alias) => {
    const candidate = normaliseRepository(alias);
    return (
      candidate.length > 0 &&
      (project === candidate || project.endsWith(`/${candidate}`) || candidate.endsWith(`/${project}`))
    );
  });
}
