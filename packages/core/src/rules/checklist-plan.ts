/** A step read from a Markdown checklist. */
export interface ChecklistStep {
  readonly title: string;
  readonly instructions: string;
}

const item = /^\s*[-*+]\s+\[( |x|X)\]\s+(.+?)\s*$/;

/**
 * The open items of a Markdown checklist (`- [ ] ...`) in a Taiga description, in order. Ticked items (`- [x]`) are
 * done already and are not planned. Indented lines under an item, up to the next item, become its instructions.
 */
export function parseChecklist(markdown: string): ChecklistStep[] {
  const steps: { title: string; details: string[]; open: boolean }[] = [];
  for (const line of markdown.split(/\r?\n/)) {
    const match = item.exec(line);
    if (match) {
      steps.push({ title: match[2]!, details: [], open: match[1] === ' ' });
    } else if (steps.length > 0 && /^\s{2,}\S/.test(line)) {
      steps[steps.length - 1]!.details.push(line.trim());
    } else if (line.trim() !== '' && steps.length > 0) {
      // A non-indented line ends the checklist's current item.
      steps.push({ title: '', details: [], open: false });
    }
  }
  return steps
    .filter((step) => step.open && step.title !== '')
    .map((step) => ({ title: step.title, instructions: [step.title, ...step.details].join('\n') }));
}
