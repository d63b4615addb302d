/**
 * The context file an engine gets with each attempt (`TUNDRA_CONTEXT_FILE`): what a person joining the work would
 * read first. One renderer for every source of context (the Taiga items, the plan, earlier attempts, what people
 * said on Taiga, the repository's conventions), so exec and plan engines see the same shape.
 */

/** Bumped whenever the file's layout changes in a way an engine's prompt could notice; recorded on each attempt. */
export const contextFileVersion = 'context-file/1';

/** A Taiga item as the engine should read it. */
export interface ContextItem {
  readonly kind: 'userstory' | 'task';
  readonly ref: number;
  readonly subject: string;
  readonly description: string;
  readonly url: string | null;
}

export interface ContextPlanStep {
  readonly number: number;
  readonly title: string;
  readonly status: string;
  readonly commitSha: string | null;
  readonly summary: string | null;
}

export interface ContextAttempt {
  readonly attempt: number;
  /** How it ended, in words: `failed`, `failed QA`, `blocked by CI`, `rejected`, ... */
  readonly outcome: string;
  readonly summary: string | null;
  readonly model: string | null;
}

/**
 * Something a person said: a plain comment on the run's story or a step's task, or the text that came with a
 * command (`retry`, `reject`, `replan`). Commands' texts are kept before plain comments when the file is cut.
 */
export interface ContextRemark {
  readonly at: string;
  readonly author: string;
  /** Where it was said, for the reader: `the story`, `task TG-14`. */
  readonly where: string;
  readonly kind: 'comment' | 'retry' | 'reject' | 'replan';
  readonly text: string;
}

export interface ContextConventions {
  /** The file's path in the repository (`AGENTS.md`). */
  readonly path: string;
  readonly text: string;
}

export interface ContextFileInput {
  /** The step this attempt works on; null for a plan engine. */
  readonly step: {
    readonly number: number;
    readonly title: string;
    readonly instructions: string;
    readonly attempt: number;
  } | null;
  readonly story: ContextItem | null;
  readonly task: ContextItem | null;
  readonly plan: readonly ContextPlanStep[];
  readonly attempts: readonly ContextAttempt[];
  /** Oldest first. */
  readonly remarks: readonly ContextRemark[];
  readonly conventions: ContextConventions | null;
  /** The cap on the file's size, in UTF-8 bytes. */
  readonly maxBytes: number;
}

export interface ContextFile {
  readonly markdown: string;
  readonly version: typeof contextFileVersion;
  readonly bytes: number;
  /** What was left out to stay under the cap, as the file itself says it. */
  readonly cut: readonly string[];
}

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

const prefix = (kind: ContextItem['kind']) => (kind === 'userstory' ? 'User story' : 'Task');

/** Text that came from people or tools goes in a fence long enough that nothing inside can close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text.replace(/\n+$/, '')}\n${fence}`;
}

function itemSection(item: ContextItem, description: string): string {
  const link = item.url ? ` (${item.url})` : '';
  const body = description.trim() === '' ? '_No description._' : description.trim();
  return `## ${prefix(item.kind)} TG-${item.ref}: ${item.subject}${link}\n\n${body}`;
}

function planSection(plan: readonly ContextPlanStep[], current: number | null): string | null {
  if (plan.length === 0) return null;
  const lines = plan.map((step) => {
    const here = step.number === current ? ' **(this step)**' : '';
    const commit = step.commitSha ? `, commit \`${step.commitSha.slice(0, 12)}\`` : '';
    const summary = step.summary ? `: ${step.summary.replace(/\s+/g, ' ').trim()}` : '';
    return `${step.number}. ${step.title}${here} [${step.status}${commit}]${summary}`;
  });
  // Before a step runs, a plan is one being replaced (`replan`): the planner reads what it did.
  const heading = current === null ? 'The earlier plan, being replaced' : 'The plan';
  return `## ${heading}\n\n${lines.join('\n')}`;
}

function attemptsSection(attempts: readonly ContextAttempt[]): string | null {
  if (attempts.length === 0) return null;
  const parts = attempts.map((a) => {
    const model = a.model ? ` (model ${a.model})` : '';
    const head = `### Attempt ${a.attempt}: ${a.outcome}${model}`;
    return a.summary ? `${head}\n\n${fenced(a.summary)}` : head;
  });
  return `## Earlier attempts at this step\n\n${parts.join('\n\n')}`;
}

const remarkLabel: Record<ContextRemark['kind'], string> = {
  comment: 'commented',
  retry: 'asked for a retry',
  reject: 'rejected the step',
  replan: 'asked for a new plan',
};

function remarksSection(remarks: readonly ContextRemark[], note: string | null): string | null {
  if (remarks.length === 0 && note === null) return null;
  const parts = remarks.map(
    (r) => `### ${r.author} ${remarkLabel[r.kind]} on ${r.where}, ${r.at}\n\n${fenced(r.text)}`,
  );
  return ['## What people said since the run began', ...(note ? [note] : []), ...parts].join('\n\n');
}

function conventionsSection(conventions: ContextConventions, text: string, note: string | null): string {
  return [
    `## The repository's conventions (\`${conventions.path}\`)`,
    ...(note ? [note] : []),
    text.trim(),
  ].join('\n\n');
}

interface Draft {
  remarks: readonly ContextRemark[];
  droppedComments: number;
  droppedCommands: number;
  conventionsText: string | null;
  conventionsCut: boolean;
  storyText: string;
  taskText: string;
}

function assemble(input: ContextFileInput, draft: Draft): string {
  const { step } = input;
  const title = step
    ? `# Context for step ${step.number}: ${step.title} (attempt ${step.attempt})`
    : '# Context for planning';
  const dropped = draft.droppedComments + draft.droppedCommands;
  const remarksNote =
    dropped > 0
      ? `_${dropped} older remark${dropped === 1 ? ' was' : 's were'} left out to keep this file under ${input.maxBytes} bytes._`
      : null;
  const sections = [
    title,
    '_Written by Tundra for this attempt. Sections that were cut to fit the size cap say so._',
    input.story ? itemSection(input.story, draft.storyText) : null,
    input.task ? itemSection(input.task, draft.taskText) : null,
    step ? `## This step's instructions\n\n${step.instructions.trim() || '_None beyond the title._'}` : null,
    planSection(input.plan, step?.number ?? null),
    attemptsSection(input.attempts),
    remarksSection(draft.remarks, remarksNote),
    input.conventions && draft.conventionsText !== null
      ? conventionsSection(
          input.conventions,
          draft.conventionsText,
          draft.conventionsCut
            ? `_Cut to fit this file's size cap; read \`${input.conventions.path}\` itself for the rest._`
            : null,
        )
      : null,
  ];
  return `${sections.filter((s): s is string => s !== null).join('\n\n')}\n`;
}

/** Keeps the head of `text` within `bytes` UTF-8 bytes, never splitting a character. */
function headWithin(text: string, bytes: number): string {
  if (bytes <= 0) return '';
  let used = 0;
  let end = 0;
  for (const char of text) {
    used += byteLength(char);
    if (used > bytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * Renders the context file within `maxBytes`. What goes first when it is too big: people's plain comments, oldest
 * first; then the conventions file's tail; then commands' texts, oldest first; then the descriptions' tails. Each cut
 * is said in the file where it happened, and listed in `cut`.
 */
export function renderContextFile(input: ContextFileInput): ContextFile {
  const draft: Draft = {
    remarks: input.remarks,
    droppedComments: 0,
    droppedCommands: 0,
    conventionsText: input.conventions?.text ?? null,
    conventionsCut: false,
    storyText: input.story?.description ?? '',
    taskText: input.task?.description ?? '',
  };
  const fits = () => byteLength(assemble(input, draft)) <= input.maxBytes;
  const dropOldest = (kind: 'comment' | 'command') => {
    const index = draft.remarks.findIndex((r) => (kind === 'comment') === (r.kind === 'comment'));
    if (index < 0) return false;
    draft.remarks = draft.remarks.filter((_, i) => i !== index);
    if (kind === 'comment') draft.droppedComments += 1;
    else draft.droppedCommands += 1;
    return true;
  };
  const overBy = () => byteLength(assemble(input, draft)) - input.maxBytes;
  const shorten = (current: string, marker: string) => {
    const keep = Math.max(0, byteLength(current) - overBy() - byteLength(marker));
    return `${headWithin(current, keep)}${marker}`;
  };

  while (!fits() && dropOldest('comment')) {}
  if (!fits() && draft.conventionsText !== null) {
    draft.conventionsCut = true;
    draft.conventionsText = shorten(draft.conventionsText, '\n\n…');
  }
  while (!fits() && dropOldest('command')) {}
  if (!fits() && draft.storyText !== '') draft.storyText = shorten(draft.storyText, '\n\n_…(cut to fit)_');
  if (!fits() && draft.taskText !== '') draft.taskText = shorten(draft.taskText, '\n\n_…(cut to fit)_');

  let markdown = assemble(input, draft);
  const cut: string[] = [];
  if (draft.droppedComments > 0) cut.push(`${draft.droppedComments} oldest comment(s)`);
  if (draft.conventionsCut) cut.push(`the tail of ${input.conventions?.path}`);
  if (draft.droppedCommands > 0) cut.push(`${draft.droppedCommands} oldest command text(s)`);
  if (input.story && draft.storyText !== input.story.description)
    cut.push('the tail of the story description');
  if (input.task && draft.taskText !== input.task.description) cut.push('the tail of the task description');
  if (byteLength(markdown) > input.maxBytes) {
    // The fixed parts alone (instructions, plan, attempts) are over the cap: keep their head and say so.
    const marker = '\n\n_…the rest of this file was cut to fit its size cap._\n';
    markdown = `${headWithin(markdown, input.maxBytes - byteLength(marker))}${marker}`;
    cut.push('the end of the file');
  }
  return { markdown, version: contextFileVersion, bytes: byteLength(markdown), cut };
}
