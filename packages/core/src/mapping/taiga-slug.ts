/**
 * The slug Taiga gives a status named `name`. Taiga (taiga-back `taiga/base/utils/slug.py`) runs Django's
 * `slugify` over `unidecode(name)`: lower-case, drop everything but word characters (letters, digits, `_`),
 * spaces and `-`, collapse runs of spaces and dashes into one `-`, trim `-` and `_` at both ends. So
 * `In progress` → `in-progress` and `in_progress` stays `in_progress` (underscores survive). Taiga recomputes the
 * slug whenever a status is renamed and appends `-1`, `-2`… when the slug is taken within the project.
 *
 * Here accents are stripped by Unicode decomposition, which matches unidecode for Latin scripts only.
 */
export function taigaSlugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/[-\s]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}
