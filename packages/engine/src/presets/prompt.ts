/** What an agent is asked to do in one step attempt. */
export interface PromptInput {
  /** The step's instructions, as the executor writes them (`# <title>`, a blank line, the instructions). */
  instructions: string;
  /**
   * The step's context file (the story, the plan, what earlier steps and attempts did). With `content`, the
   * prompt carries it; without, the prompt points at `path` and the tool is given read access to it.
   */
  context?: { path: string; content?: string };
}

/** The prompt an agent gets: the instructions, then the context (inline, or where to read it). */
export function composePrompt(input: PromptInput): string {
  const instructions = input.instructions.replace(/\s+$/, '');
  const context = input.context;
  if (!context) return `${instructions}\n`;
  if (context.content !== undefined) {
    return `${instructions}\n\n## Context\n\nThis is the context of the step (also in \`${context.path}\`):\n\n${context.content.replace(/\s+$/, '')}\n`;
  }
  return `${instructions}\n\n## Context\n\nRead \`${context.path}\` before you start: it holds the story, the plan and what earlier steps and attempts did.\n`;
}
