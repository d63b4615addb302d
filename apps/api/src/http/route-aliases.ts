import type { NextFunction, Request, Response } from 'express';

/**
 * Deprecated path prefixes of the API and the canonical prefix each now goes by (same parameters, in the same
 * places). A request under an alias is served by the canonical route, with the `Deprecation` header (the moment of
 * the deprecation, RFC 9745) and a `Link` to the successor (RFC 8288): one mechanism for every alias, so no route is
 * declared twice.
 */
export const deprecatedAliases: readonly { alias: string; canonical: string; since: string }[] = [
  // A run was first called a protocol (the domain type keeps the name ProtocolRun).
  { alias: '/protocols', canonical: '/runs', since: '2026-12-05T00:00:00Z' },
  { alias: '/projects/:id/protocols', canonical: '/projects/:id/runs', since: '2026-12-05T00:00:00Z' },
];

const segmentsOf = (path: string) => path.split('/').slice(1);

/**
 * The canonical path of `path`, or null when it is under no alias. Literal segments compare case-insensitively, as
 * express matches them; a parameter takes any segment and is kept as it is.
 */
export function canonicalPath(path: string): { path: string; since: string } | null {
  const segments = segmentsOf(path);
  for (const { alias, canonical, since } of deprecatedAliases) {
    const template = segmentsOf(alias);
    if (segments.length < template.length) continue;
    const fits = template.every(
      (part, i) => part.startsWith(':') || part.toLowerCase() === segments[i]!.toLowerCase(),
    );
    if (!fits) continue;
    const head = segmentsOf(canonical).map((part, i) => (part.startsWith(':') ? segments[i]! : part));
    return { path: `/${[...head, ...segments.slice(template.length)].join('/')}`, since };
  }
  return null;
}

/** Serves the deprecated aliases: rewrites the URL to the canonical route before the router matches it. */
export function serveDeprecatedAliases(basePath: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const canonical = canonicalPath(req.path);
    if (canonical !== null) {
      req.url = `${canonical.path}${req.url.slice(req.path.length)}`;
      // A structured-field date: `@` and the seconds since the epoch.
      res.setHeader('Deprecation', `@${Date.parse(canonical.since) / 1000}`);
      res.setHeader('Link', `<${basePath}${canonical.path}>; rel="successor-version"`);
    }
    next();
  };
}

/** The aliases as the OpenAPI document names them: once, rather than as a second copy of each route. */
export function describeDeprecatedAliases(basePath: string): string {
  return deprecatedAliases
    .map(
      ({ alias, canonical }) =>
        `\`${basePath}${alias}…\` is a deprecated alias of \`${basePath}${canonical}…\``,
    )
    .join('; ');
}
