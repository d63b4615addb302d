/** What stands in for a secret in text Tundra shows. */
export const secretMask = '***';

/**
 * Values shorter than this are not masked: a secret that short is not one, and masking `1` or `true` everywhere
 * would make every log unreadable.
 */
export const minSecretLength = 6;

/** The values of the named variables worth masking, longest first (so a value inside another is not half-masked). */
export function secretValues(
  names: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const values = (names ?? [])
    .map((name) => env[name])
    .filter((value): value is string => typeof value === 'string' && value.length >= minSecretLength);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** A function that replaces every occurrence of the values in a text with `***`. */
export function createSecretMasker(values: readonly string[]): (text: string) => string {
  if (values.length === 0) return (text) => text;
  return (text) => {
    let masked = text;
    for (const value of values) masked = masked.split(value).join(secretMask);
    return masked;
  };
}
