import { describe, expect, it } from 'vitest';
import { normaliseRepository, repositoryMatches } from './repository-match.js';

describe('repository matching', () => {
  it.each([
    ['https://github.com/Acme/Widgets.git', 'github.com/acme/widgets'],
    ['git@github.com:Acme/Widgets.git', 'github.com/acme/widgets'],
    ['ssh://git@gitlab.example.com:2222/acme/widgets.git', 'gitlab.example.com/acme/widgets'],
    ['https://user@github.com/acme/widgets/', 'github.com/acme/widgets'],
    ['acme/widgets', 'acme/widgets'],
    ['/srv/git/widgets.git', 'srv/git/widgets'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseRepository(input)).toBe(expected);
  });

  it.each([
    ['https://github.com/acme/widgets.git', ['acme/widgets'], true],
    ['git@github.com:acme/widgets.git', ['https://github.com/Acme/Widgets'], true],
    ['https://github.com/acme/widgets.git', ['acme/widgets-2'], false],
    ['https://github.com/acme/widgets.git', ['other/widgets'], false],
    ['https://github.com/acme/widgets.git', [''], false],
    ['/tmp/demo.git', ['tmp/demo'], true],
  ])('%s matches %j: %s', (projectUrl, aliases, expected) => {
    expect(repositoryMatches(projectUrl, aliases)).toBe(expected);
  });
});
