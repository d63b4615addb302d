import { dirname } from 'node:path';
import { addTokens, CostSource, type EngineAccount, noTokens, type TokenCounts } from './engine-account.js';
import type { ClaudeCodePreset } from './engine-preset.js';
import { contextToRead, type EngineInvocation, type InvocationInput } from './invocation.js';
import {
  arrayField,
  countField,
  field,
  type JsonObject,
  numberField,
  objectField,
  stringField,
} from './json-fields.js';
import { clip, formatCount, formatUsd, parseJsonObject, prefixedLines } from './log-text.js';
import type { LineReading, ToolReader } from './output-parser.js';
import { composePrompt } from './prompt.js';

/**
 * Claude Code in print mode (checked against 2.1.332): the prompt on stdin, one JSON event per stdout line
 * (`--output-format stream-json`, which needs `--verbose`). Each `--allowedTools=<rule>` is one argument, so a
 * rule with spaces (`Bash(npm test)`) stays whole and the option's variadic list never swallows what follows.
 */
export function claudeCodeInvocation(preset: ClaudeCodePreset, input: InvocationInput): EngineInvocation {
  const argv = ['claude', '-p', '--output-format', 'stream-json', '--verbose'];
  if (preset.model) argv.push('--model', preset.model);
  // Edits in the worktree are the point of an exec engine; a read-only run plans without executing tools.
  const mode = input.readOnly ? 'plan' : (preset.permissionMode ?? 'acceptEdits');
  argv.push('--permission-mode', mode);
  for (const rule of preset.allowedTools ?? []) argv.push(`--allowedTools=${rule}`);
  // Files outside the working directory need a grant; the context file lives outside the worktree.
  const context = contextToRead(input.prompt);
  if (context) argv.push(`--add-dir=${dirname(context)}`);
  argv.push(...(preset.extraArgs ?? []));
  return { argv, stdin: composePrompt(input.prompt) };
}

/** Usage of one model response, as the Messages API reports it. */
function messageTokens(usage: unknown): TokenCounts {
  const uncached = countField(usage, 'input_tokens');
  const cachedInput = countField(usage, 'cache_read_input_tokens');
  const cacheWrite = countField(usage, 'cache_creation_input_tokens');
  return {
    input: uncached + cachedInput + cacheWrite,
    output: countField(usage, 'output_tokens'),
    cachedInput,
    cacheWrite,
  };
}

/**
 * The totals of a `result` event: `modelUsage` covers every model call (subagents and compaction included, as
 * the SDK's types say), while `usage` covers the main loop only and is zeroed on some errors.
 */
function resultTokens(event: JsonObject): TokenCounts {
  const byModel = objectField(event, 'modelUsage');
  const models = byModel ? Object.values(byModel) : [];
  if (models.length === 0) return messageTokens(field(event, 'usage'));
  return models.reduce<TokenCounts>((total, usage) => {
    const cachedInput = countField(usage, 'cacheReadInputTokens');
    const cacheWrite = countField(usage, 'cacheCreationInputTokens');
    return addTokens(total, {
      input: countField(usage, 'inputTokens') + cachedInput + cacheWrite,
      output: countField(usage, 'outputTokens'),
      cachedInput,
      cacheWrite,
    });
  }, noTokens);
}

/** What a tool call is about, in a few words: the command, the file or the pattern. */
function toolDetail(name: string, input: unknown): string {
  for (const key of ['command', 'file_path', 'notebook_path', 'pattern', 'url', 'query', 'description']) {
    const value = stringField(input, key);
    if (value) return clip(value, 160);
  }
  const json = input === undefined ? '' : JSON.stringify(input);
  return json && json !== '{}' ? clip(json, 160) : name;
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((block) => stringField(block, 'text') ?? '').join('\n') : '';
}

/**
 * Reads Claude Code's stream-json events. The running token count sums the usage of each model response
 * (an assistant event carries its message's usage so far, so the last one seen per message id counts); the
 * `result` event then replaces it with the tool's own totals and its cost.
 */
export function createClaudeCodeReader(): ToolReader {
  const perMessage = new Map<string, TokenCounts>();
  let anonymous = 0;

  const assistant = (event: JsonObject, account: EngineAccount): LineReading => {
    const message = objectField(event, 'message');
    const log: string[] = [];
    for (const block of arrayField(message, 'content')) {
      const type = stringField(block, 'type');
      if (type === 'text') log.push(...prefixedLines('[assistant] ', stringField(block, 'text') ?? ''));
      else if (type === 'thinking') log.push(`[thinking] ${clip(stringField(block, 'thinking') ?? '')}`);
      else if (type === 'tool_use') {
        const name = stringField(block, 'name') ?? 'tool';
        log.push(`[tool] ${name}: ${toolDetail(name, field(block, 'input'))}`);
      }
    }
    const usage = field(message, 'usage');
    if (usage === undefined || account.costSource === CostSource.Reported) return { log, account };
    const id = stringField(message, 'id') ?? `anonymous-${anonymous++}`;
    const seen = perMessage.get(id) ?? noTokens;
    const now = messageTokens(usage);
    // Output grows while a message streams; its input is fixed when it starts.
    perMessage.set(id, { ...now, output: Math.max(seen.output, now.output) });
    const tokens = [...perMessage.values()].reduce(addTokens, noTokens);
    return { log, account: { ...account, tokens } };
  };

  const user = (event: JsonObject): string[] =>
    arrayField(objectField(event, 'message'), 'content').flatMap((block) => {
      if (stringField(block, 'type') !== 'tool_result') return [];
      const label = field(block, 'is_error') === true ? '[tool error]' : '[tool result]';
      return [`${label} ${clip(toolResultText(field(block, 'content')))}`];
    });

  const system = (event: JsonObject, account: EngineAccount): LineReading => {
    const subtype = stringField(event, 'subtype');
    if (subtype === 'init') {
      const model = stringField(event, 'model') ?? account.model;
      const sessionId = stringField(event, 'session_id');
      const version = stringField(event, 'claude_code_version');
      const mode = stringField(event, 'permissionMode');
      return {
        log: [
          `[session] Claude Code${version ? ` ${version}` : ''}, model ${model ?? 'default'}, permission mode ${mode ?? 'default'}, session ${sessionId ?? 'unknown'}`,
        ],
        account: { ...account, model, sessionId: sessionId ?? account.sessionId },
      };
    }
    if (subtype === 'api_retry') {
      const status = numberField(event, 'error_status');
      const why = `${stringField(event, 'error') ?? 'error'}${status === null ? '' : `, status ${status}`}`;
      return {
        log: [
          `[retry] API request failed (${why}): attempt ${countField(event, 'attempt')} of ${countField(event, 'max_retries')}, next in ${formatCount(countField(event, 'retry_delay_ms'))} ms`,
        ],
        account,
      };
    }
    if (subtype === 'permission_denied') {
      const tool = stringField(event, 'tool_name') ?? 'a tool';
      return { log: [`[denied] ${tool}: ${clip(stringField(event, 'message') ?? '', 160)}`], account };
    }
    return { log: [`[system] ${subtype ?? 'event'}`], account };
  };

  const result = (event: JsonObject, account: EngineAccount): LineReading => {
    const tokens = resultTokens(event);
    const cost = numberField(event, 'total_cost_usd');
    const subtype = stringField(event, 'subtype') ?? 'result';
    const text = stringField(event, 'result');
    const isError = field(event, 'is_error') === true;
    const errors = arrayField(event, 'errors').filter((e): e is string => typeof e === 'string');
    const error = isError ? errors.join('; ') || text || subtype : null;
    const denied = arrayField(event, 'permission_denials').map((d) => stringField(d, 'tool_name') ?? 'tool');
    const turns = countField(event, 'num_turns');
    const seconds = (countField(event, 'duration_ms') / 1000).toFixed(1);
    const log = [
      `[result] ${subtype}${isError ? ' (error)' : ''} after ${turns} turn${turns === 1 ? '' : 's'} in ${seconds} s: ${cost === null ? 'cost unknown' : formatUsd(cost)}, ${formatCount(tokens.input)} tokens in (${formatCount(tokens.cachedInput)} cached), ${formatCount(tokens.output)} out`,
    ];
    if (denied.length > 0) log.push(`[denied] ${denied.length} tool use(s) refused: ${denied.join(', ')}`);
    if (error) log.push(...prefixedLines('[error] ', error, { maxLines: 10 }));
    return {
      log,
      account: {
        ...account,
        tokens,
        ...(cost === null ? {} : { costUsd: cost, costSource: CostSource.Reported }),
        sessionId: stringField(event, 'session_id') ?? account.sessionId,
        summary: !isError && text ? text : account.summary,
        error,
      },
    };
  };

  return {
    stdout(line, account) {
      const event = parseJsonObject(line);
      const type = event ? stringField(event, 'type') : null;
      if (!event || !type) return { log: [line], account };
      switch (type) {
        case 'system':
          return system(event, account);
        case 'assistant':
          return assistant(event, account);
        case 'user':
          return { log: user(event), account };
        case 'result':
          return result(event, account);
        // Token-by-token deltas (--include-partial-messages): the whole message follows as `assistant`.
        case 'stream_event':
          return { log: [], account };
        default:
          return { log: [`[${type}]`], account };
      }
    },
  };
}
