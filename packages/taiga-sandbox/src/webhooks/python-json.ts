export interface PythonJsonOptions {
  /** Python's `ensure_ascii`: escape every non-ASCII character as `\uXXXX` (Taiga's renderer turns it off). */
  ensureAscii?: boolean;
}

function escapeNonAscii(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    out += code > 0x7e ? `\\u${code.toString(16).padStart(4, '0')}` : text[index];
  }
  return out;
}

/**
 * JSON text exactly as Python's `json.dumps` writes it with default separators: `", "` between items and `": "`
 * after keys, keys in insertion order. For strings, `JSON.stringify` escapes the same characters Python does
 * (quote, backslash, control characters as `\n`-style or lowercase `\u00XX`). Numbers must be integers or floats
 * Python would print the same way; the sandbox's payloads hold no integral floats.
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  const encode = (item: unknown): string => {
    if (item === null || item === undefined) return 'null';
    if (typeof item === 'string') {
      const text = JSON.stringify(item);
      return options.ensureAscii ? escapeNonAscii(text) : text;
    }
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw new Error(`cannot encode ${item} as JSON`);
      return String(item);
    }
    if (typeof item === 'boolean') return item ? 'true' : 'false';
    if (item instanceof Date) return encode(item.toISOString());
    if (Array.isArray(item)) return `[${item.map(encode).join(', ')}]`;
    if (typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>).filter(
        ([, child]) => child !== undefined,
      );
      return `{${entries.map(([key, child]) => `${encode(key)}: ${encode(child)}`).join(', ')}}`;
    }
    throw new Error(`cannot encode a ${typeof item} as JSON`);
  };
  return encode(value);
}
