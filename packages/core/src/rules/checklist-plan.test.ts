import { describe, expect, it } from 'vitest';
import { parseChecklist } from './checklist-plan.js';

describe('parseChecklist', () => {
  it('turns the open items of a checklist into steps, in order', () => {
    const description = [
      'We need a login page.',
      '',
      '- [ ] Add the form',
      '  Use the design system inputs.',
      '  Validate the e-mail.',
      '- [x] Write the spec',
      '* [ ] Wire the API call',
      'Notes after the list.',
      '- [ ] Add tests',
    ].join('\n');
    expect(parseChecklist(description)).toEqual([
      {
        title: 'Add the form',
        instructions: 'Add the form\nUse the design system inputs.\nValidate the e-mail.',
      },
      { title: 'Wire the API call', instructions: 'Wire the API call' },
      { title: 'Add tests', instructions: 'Add tests' },
    ]);
  });

  it('finds nothing in a description without a checklist', () => {
    expect(parseChecklist('Just prose.\n- a plain bullet')).toEqual([]);
  });

  it('reads Windows line endings', () => {
    expect(parseChecklist('- [ ] one\r\n- [ ] two\r\n').map((s) => s.title)).toEqual(['one', 'two']);
  });
});
