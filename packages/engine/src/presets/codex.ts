import type { EngineAccount } from './engine-account.js';
import type { CodexPreset } from './engine-preset.js';
import type { EngineInvocation, InvocationInput } from './invocation.js';
import { arrayField, countField, field, type JsonObject, objectField, stringField } from './json-fields.js';
import { clip, formatCount, parseJsonObject, prefixedLines } from './log-text.js';
import type { LineReading, ToolReader } from './output-parser.js';
import { composePrompt } from './prompt.js';

/**
 * `codex exec` (checked against 0.171.0): `--json` prints one thread/turn/item event per stdout line (the
 * format that replaced the raw protocol events in openai/codex#4525, whose item shapes have changed since); the
 * prompt `-` is read from stdin. The sandbox is
 * always named, so what the agent may touch never depends on the executor host's `~/.codex/config.toml`;
 * `--skip-git-repo-check` lets plan engines run in a plain temporary directory.
 */
export function codexInvocation(preset: CodexPreset, input: InvocationInput): EngineInvocation {
  const sandbox = input.readOnly ? 'read-only' : (preset.sandbox ?? 'workspace-write');
  const argv = ['codex', 'exec', '--json', '--sandbox', sandbox, '--skip-git-repo-check'];
  if (preset.model) argv.push('--model', preset.model);
  argv.push(...(preset.extraArgs ?? []), '-');
  return { argv, stdin: composePrompt(input.prompt) };
}

/** How many output lines of a command the log keeps: its end, where errors are. */
const commandOutputLines = 20;

function todoSummary(item: unknown): string {
  const items = arrayField(item, 'items');
  const done = items.filter((todo) => field(todo, 'completed') === true).length;
  const next = items.find((todo) => field(todo, 'completed') !== true);
  const nextText = next ? `; next: ${clip(stringField(next, 'text') ?? '', 120)}` : '';
  return `[plan] ${done}/${items.length} done${nextText}`;
}

function itemStarted(item: JsonObject): string[] {
  switch (stringField(item, 'type')) {
    case 'command_execution':
      return [`[command] $ ${clip(stringField(item, 'command') ?? '', 300)}`];
    case 'mcp_tool_call':
      return [`[mcp] ${stringField(item, 'server') ?? '?'}/${stringField(item, 'tool') ?? '?'} started`];
    case 'web_search':
      return [`[search] ${clip(stringField(item, 'query') ?? '')}`];
    case 'todo_list':
      return [todoSummary(item)];
    default:
      return [];
  }
}

function itemCompleted(item: JsonObject): string[] {
  const type = stringField(item, 'type');
  switch (type) {
    case 'agent_message':
      return prefixedLines('[assistant] ', stringField(item, 'text') ?? '');
    case 'reasoning':
      return [`[reasoning] ${clip(stringField(item, 'text') ?? '')}`];
    case 'plan':
      return prefixedLines('[plan] ', stringField(item, 'text') ?? '');
    case 'command_execution': {
      const code = field(item, 'exit_code');
      const status = stringField(item, 'status') ?? 'completed';
      const how = typeof code === 'number' ? `exit ${code}` : status;
      return [
        `[command] ${how}: ${clip(stringField(item, 'command') ?? '', 300)}`,
        ...prefixedLines('    ', stringField(item, 'aggregated_output') ?? '', {
          maxLines: commandOutputLines,
          keep: 'last',
        }),
      ];
    }
    case 'file_change': {
      const changes = arrayField(item, 'changes').map(
        (change) => `${stringField(change, 'kind') ?? 'update'} ${stringField(change, 'path') ?? '?'}`,
      );
      const failed = stringField(item, 'status') === 'failed' ? ' (failed)' : '';
      return [`[files]${failed} ${changes.join(', ')}`];
    }
    case 'mcp_tool_call': {
      const error = stringField(objectField(item, 'error'), 'message');
      const name = `${stringField(item, 'server') ?? '?'}/${stringField(item, 'tool') ?? '?'}`;
      return [
        `[mcp] ${name} ${stringField(item, 'status') ?? 'completed'}${error ? `: ${clip(error)}` : ''}`,
      ];
    }
    case 'todo_list':
      return [todoSummary(item)];
    case 'error':
      return [`[warning] ${clip(stringField(item, 'message') ?? '', 300)}`];
    case 'web_search':
      return [];
    default:
      return [`[${type ?? 'item'}]`];
  }
}

/**
 * Reads `codex exec --json` events. Codex reports usage only in `turn.completed`, as the thread's running total
 * (so it replaces, never adds), and never a cost or the model: the cost comes from the price table and the
 * model Tundra asked for. Only `turn.failed` is a failure; top-level `error` events include retries it
 * recovers from.
 */
export function createCodexReader(): ToolReader {
  return {
    stdout(line, account): LineReading {
      const event = parseJsonObject(line);
      const type = event ? stringField(event, 'type') : null;
      if (!event || !type) return { log: [line], account };
      switch (type) {
        case 'thread.started': {
          const sessionId = stringField(event, 'thread_id');
          return {
            log: [`[session] Codex thread ${sessionId ?? 'unknown'}`],
            account: { ...account, sessionId },
          };
        }
        case 'turn.started':
          return { log: ['[turn] started'], account };
        case 'turn.completed':
          return turnCompleted(event, account);
        case 'turn.failed': {
          const error = stringField(objectField(event, 'error'), 'message') ?? 'the turn failed';
          return { log: [`[turn] failed: ${clip(error, 500)}`], account: { ...account, error } };
        }
        case 'error':
          return { log: [`[error] ${clip(stringField(event, 'message') ?? '', 500)}`], account };
        case 'item.started':
        case 'item.updated':
        case 'item.completed': {
          const item = objectField(event, 'item');
          if (!item) return { log: [], account };
          if (type === 'item.updated') {
            return { log: stringField(item, 'type') === 'todo_list' ? [todoSummary(item)] : [], account };
          }
          if (type === 'item.started') return { log: itemStarted(item), account };
          const summary = stringField(item, 'type') === 'agent_message' ? stringField(item, 'text') : null;
          return { log: itemCompleted(item), account: summary ? { ...account, summary } : account };
        }
        case 'request_user_input':
          return { log: ['[question] the agent asked for input, which exec mode cannot give'], account };
        // Streamed text of a plan item; the item itself follows.
        case 'item.plan.delta':
          return { log: [], account };
        default:
          return { log: [`[${type}]`], account };
      }
    },
  };
}

function turnCompleted(event: JsonObject, account: EngineAccount): LineReading {
  const usage = objectField(event, 'usage');
  const tokens = {
    input: countField(usage, 'input_tokens'),
    output: countField(usage, 'output_tokens'),
    cachedInput: countField(usage, 'cached_input_tokens'),
    cacheWrite: countField(usage, 'cache_write_input_tokens'),
  };
  return {
    log: [
      `[turn] completed: ${formatCount(tokens.input)} tokens in (${formatCount(tokens.cachedInput)} cached), ${formatCount(tokens.output)} out`,
    ],
    account: { ...account, tokens },
  };
}
