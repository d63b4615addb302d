import { decodeHTMLStrict } from 'entities';
import { QuoteType, Tokenizer } from 'htmlparser2';

/**
 * taiga-back's HTML allow-list (`taiga/mdrender/service.py`): bleach 4.1's `clean` with bleach's default tags plus
 * taiga's, taiga's attributes, its one CSS property (`background`) and its URL protocols. Bleach escapes a tag that
 * is not allowed (it shows as text, `&lt;sub&gt;`), drops attributes and comments that are not, and writes what it
 * keeps with the attributes in alphabetical order.
 */
const allowedTags = new Set([
  // bleach.ALLOWED_TAGS
  'a',
  'abbr',
  'acronym',
  'b',
  'blockquote',
  'code',
  'em',
  'i',
  'li',
  'ol',
  'strong',
  'ul',
  // taiga's additions
  'p',
  'table',
  'thead',
  'tbody',
  'th',
  'tr',
  'td',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'div',
  'pre',
  'span',
  'hr',
  'dl',
  'dt',
  'dd',
  'sup',
  'img',
  'del',
  'br',
  'ins',
  'input',
  'label',
]);

/** bleach.ALLOWED_ATTRIBUTES as taiga sets it; `*` applies to every tag. */
const allowedAttributes: Record<string, ReadonlySet<string>> = {
  a: new Set(['href', 'title', 'alt', 'target']),
  abbr: new Set(['title']),
  acronym: new Set(['title']),
  img: new Set(['alt', 'src']),
  input: new Set(['type', 'checked']),
  '*': new Set(['class', 'style', 'id']),
};

const allowedProtocols = new Set(['http', 'https', 'ftp', 'mailto']);
const allowedCssProperties = new Set(['background']);
/** Attributes whose value bleach checks as a URL (`attr_val_is_uri`, among those allowed here). */
const uriAttributes = new Set(['href', 'src']);
/** Elements with no end tag: html5lib writes them as `<br>`, never `<br/>`. */
const voidElements = new Set(['br', 'hr', 'img', 'input']);

function isAllowedAttribute(tag: string, name: string): boolean {
  return (allowedAttributes[tag]?.has(name) ?? false) || (allowedAttributes['*']?.has(name) ?? false);
}

/** `&name;`, `&#NN;`, `&#xHH;` that html5lib knows; bleach keeps those as they are. */
function isEntity(candidate: string): boolean {
  return /^&#(?:\d+|x[0-9a-f]+);$/i.test(candidate) || decodeHTMLStrict(candidate) !== candidate;
}

/** bleach's `escape_base_amp`: an `&` that does not start a known character reference becomes `&amp;`. */
function escapeAmpersands(text: string): string {
  return text.replace(/&(?:#\d+;|#x[0-9a-f]+;|[a-z][a-z0-9]*;)?/gi, (match) =>
    match.length > 1 && isEntity(match) ? match : `&amp;${match.slice(1)}`,
  );
}

/** Text as html5lib's serializer writes it inside bleach: `&`, `<`, `>` escaped, entities kept, quotes not. */
export function escapeHtmlText(text: string): string {
  return escapeAmpersands(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function escapeAttributeValue(value: string): string {
  return escapeAmpersands(value).replaceAll('<', '&lt;').replaceAll('"', '&quot;');
}

function decodeEntities(value: string): string {
  return value.replace(/&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi, (entity) => {
    const numeric = /^&#(x?)([0-9a-f]+);$/i.exec(entity);
    if (numeric) return String.fromCodePoint(Number.parseInt(numeric[2] as string, numeric[1] ? 16 : 10));
    return decodeHTMLStrict(entity);
  });
}

/** bleach's `sanitize_uri_value`: the value when its protocol is allowed (or it has none), else null. */
function sanitizeUri(value: string): string | null {
  // bleach removes backticks, control characters, spaces and U+007F-U+00A0 before it looks for the protocol.
  const normalized = [...decodeEntities(value)]
    .filter((char) => {
      const code = char.codePointAt(0) as number;
      return char !== '`' && code > 0x20 && (code < 0x7f || code > 0xa0) && !/\s/.test(char);
    })
    .join('')
    .replace(/\ufffd/g, '')
    .toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(normalized)?.[1];
  if (scheme !== undefined) return allowedProtocols.has(scheme) ? value : null;
  // No scheme: a fragment or a relative URL, which bleach allows when http or https is.
  return value;
}

// bleach 4.1's `sanitize_css` gauntlet: each `;`-separated part must be made of these pieces, or the whole style goes.
const cssGauntlet = /^(?:[/:,#%!.\s\w]|\w-\w|'[\s\w]+'\s*|"[\s\w]+"|\([\d,%.\s]+\))*$/;
const cssShape = /^\s*(?:[-\w]+\s*:[^:;]*(?:;\s*|$))*$/;

/** bleach 4.1's `sanitize_css` with taiga's one allowed property: `background: blue;`, or `` when nothing is left. */
function sanitizeCss(style: string): string {
  const withoutUrls = decodeEntities(style).replace(/url\s*\(\s*[^\s)]+?\s*\)\s*/g, ' ');
  if (!withoutUrls.split(';').every((part) => cssGauntlet.test(part))) return '';
  if (!cssShape.test(withoutUrls)) return '';
  const kept: string[] = [];
  for (const [, property, value] of withoutUrls.matchAll(/([-\w]+)\s*:\s*([^:;]*)/g)) {
    if (value && allowedCssProperties.has((property as string).toLowerCase()))
      kept.push(`${property}: ${value};`);
  }
  return kept.join(' ');
}

function allowedTag(tag: string, attributes: readonly [string, string | null][]): string {
  const kept = new Map<string, string | null>();
  for (const [name, raw] of attributes) {
    // html5lib keeps the first of repeated attributes.
    if (kept.has(name) || !isAllowedAttribute(tag, name)) continue;
    let value = raw;
    if (value !== null && uriAttributes.has(name)) {
      value = sanitizeUri(value);
      if (value === null) continue;
    }
    if (name === 'style') value = sanitizeCss(value ?? '');
    kept.set(name, value);
  }
  const rendered = [...kept]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    // html5lib minimizes a boolean attribute written without a value (`checked`).
    .map(([name, value]) => (value === null ? ` ${name}` : ` ${name}="${escapeAttributeValue(value)}"`))
    .join('');
  return `<${tag}${rendered}>`;
}

/**
 * Cleans HTML as taiga-back's `bleach.clean` does. Known simplification: html5lib also rebuilds the tree (a block
 * element closes an open `<p>`, a `<table>` gets its `<tbody>`); this keeps the tags in the order written.
 */
export function cleanHtml(html: string): string {
  const out: string[] = [];
  const open: string[] = [];
  let tagStart = 0;
  let tagName = '';
  let attributes: [string, string | null][] = [];
  let attributeName = '';
  let attributeValue = '';
  const closeTo = (index: number) => {
    while (open.length > index) out.push(`</${open.pop()}>`);
  };
  const finishOpenTag = (endIndex: number) => {
    if (!allowedTags.has(tagName)) {
      out.push(escapeHtmlText(html.slice(tagStart, endIndex + 1)));
      return;
    }
    out.push(allowedTag(tagName, attributes));
    if (!voidElements.has(tagName)) open.push(tagName);
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: false },
    {
      ontext: (start, end) => out.push(escapeHtmlText(html.slice(start, end))),
      ontextentity: () => undefined,
      onopentagname: (start, end) => {
        tagStart = start - 1;
        tagName = html.slice(start, end).toLowerCase();
        attributes = [];
      },
      onattribname: (start, end) => {
        attributeName = html.slice(start, end).toLowerCase();
        attributeValue = '';
      },
      onattribdata: (start, end) => {
        attributeValue += html.slice(start, end);
      },
      onattribentity: () => undefined,
      onattribend: (quote) => {
        attributes.push([attributeName, quote === QuoteType.NoValue ? null : attributeValue]);
      },
      onopentagend: finishOpenTag,
      onselfclosingtag: finishOpenTag,
      onclosetag: (start, end) => {
        const name = html.slice(start, end).toLowerCase();
        if (!allowedTags.has(name)) {
          const close = html.indexOf('>', end);
          out.push(escapeHtmlText(html.slice(start - 2, close === -1 ? html.length : close + 1)));
          return;
        }
        // html5lib closes what is open up to the matching element, and ignores an end tag with no match.
        const index = open.lastIndexOf(name);
        if (index !== -1) closeTo(index);
      },
      // Comments, processing instructions and CDATA are comments to html5lib: bleach drops them.
      oncomment: () => undefined,
      oncdata: () => undefined,
      onprocessinginstruction: () => undefined,
      ondeclaration: () => undefined,
      onend: () => closeTo(0),
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return out.join('');
}
