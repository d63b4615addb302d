import type { AnyRoute } from './route.js';

const decodes = (segment: string) => {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
};

/**
 * The name of the path parameter whose segment is not valid percent-encoding (`/runs/%E0%A4%A`), found by the
 * route templates the path fits; null when every segment decodes, or when no route has a parameter there (a 404).
 * Express would throw a URIError that names no parameter.
 */
export function malformedPathParameter(routes: readonly AnyRoute[], path: string): string | null {
  const segments = path.replace(/\/$/, '').split('/');
  const bad = segments.findIndex((segment) => !decodes(segment));
  if (bad === -1) return null;
  for (const route of routes) {
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    // Literal segments as express matches them (case-insensitive); a parameter takes any segment.
    const fits = template.every(
      (part, i) => part.startsWith(':') || part.toLowerCase() === segments[i]!.toLowerCase(),
    );
    if (fits && template[bad]!.startsWith(':')) return template[bad]!.slice(1);
  }
  return null;
}
