import { describe, expect, it } from 'vitest';
import { taigaSlugify } from './taiga-slug.js';

describe('taigaSlugify (Django slugify over unidecode, as taiga-back does)', () => {
  it.each([
    ['New', 'new'],
    ['In progress', 'in-progress'],
    ['Ready for test', 'ready-for-test'],
    ['Needs Info', 'needs-info'],
    ['in_progress', 'in_progress'],
    ['Canceled', 'canceled'],
    ['  Needs  -- QA!  ', 'needs-qa'],
    ['_internal_', 'internal'],
    ['Über prüft', 'uber-pruft'],
  ])('%j → %j', (name, slug) => {
    expect(taigaSlugify(name)).toBe(slug);
  });
});
