import type { PromptInput } from './prompt.js';

/** How to start a tool: its argv (no shell) and what to write to its stdin. */
export interface EngineInvocation {
  argv: string[];
  /** The prompt, for tools that read it from stdin; absent: stdin is empty. */
  stdin?: string;
}

export interface InvocationInput {
  prompt: PromptInput;
  /** Where the composed prompt is written, for tools that read it from a file (aider). */
  promptFile: string;
  /** A run that must leave the working directory as it is (a plan engine): the tool's read-only mode. */
  readOnly?: boolean;
}

/** The context file's path, when the tool must be allowed to read it (the prompt does not carry it). */
export function contextToRead(prompt: PromptInput): string | null {
  return prompt.context && prompt.context.content === undefined ? prompt.context.path : null;
}
