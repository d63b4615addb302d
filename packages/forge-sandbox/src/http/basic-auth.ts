/** The password of an `Authorization: Basic` header (git sends the token there; the user name is free), or null. */
export function basicPassword(header: string | undefined): string | null {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}
