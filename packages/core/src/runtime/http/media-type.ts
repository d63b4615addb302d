/**
 * Why a request's body cannot be taken as JSON (answered 415), or null. Exactly what senders send is accepted:
 * `application/json`, optionally with `charset=utf-8` (any case, quoted or not), and no content coding. Lookalikes
 * (`application/+json`, `application/jsonx`, vendor `+json` types) and other charsets are refused rather than guessed
 * at.
 */
export function jsonMediaTypeProblem(
  contentType: string | undefined,
  contentEncoding: string | undefined,
): string | null {
  const expected = 'send Content-Type: application/json (charset utf-8, if any)';
  if (contentType === undefined) return `no Content-Type: ${expected}`;
  const [type = '', ...parameters] = contentType.split(';');
  if (type.trim().toLowerCase() !== 'application/json')
    return `Content-Type ${type.trim()} is refused: ${expected}`;
  for (const parameter of parameters) {
    if (parameter.trim() === '') continue;
    if (!/^\s*charset\s*=\s*(?:utf-8|"utf-8")\s*$/i.test(parameter)) {
      return `Content-Type parameter '${parameter.trim()}' is refused: ${expected}`;
    }
  }
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') {
    return `Content-Encoding ${contentEncoding} is not supported: send the body uncompressed`;
  }
  return null;
}

/** Whether a request carries a body: a chunked one, or a Content-Length above 0. */
export function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && Number(length) > 0;
}
