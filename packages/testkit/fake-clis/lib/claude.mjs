// A stand-in for `claude -p --output-format stream-json --verbose` (Claude Code 2.1.332): the same events, the
// same fields, recorded from the real CLI (packages/engine/test/fixtures/presets/claude-code/).
import { randomUUID } from 'node:crypto';
import {
  behaviour,
  change,
  emit,
  fail,
  option,
  printedValue,
  readStdin,
  record,
  sleep,
  stall,
} from './common.mjs';

/** claude-sonnet-4-5's list prices, US dollars per million tokens, as Claude Code prices them. */
const price = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };

function cost(u) {
  return (
    (u.input * price.input +
      u.output * price.output +
      u.cacheWrite * price.cacheWrite +
      u.cacheRead * price.cacheRead) /
    1_000_000
  );
}

export async function runFakeClaude() {
  const argv = process.argv.slice(2);
  const how = behaviour('claude');
  if (!argv.includes('-p') && !argv.includes('--print')) fail('fake claude: only print mode (-p) is faked');
  if (option(argv, '--output-format') !== 'stream-json')
    fail('fake claude: only --output-format stream-json is faked');
  if (!argv.includes('--verbose'))
    fail('Error: When using --print, --output-format=stream-json requires --verbose', 1);
  const prompt = await readStdin();
  if (!prompt.trim())
    fail('Error: Input must be provided either through stdin or as a prompt argument when using --print', 1);
  record(how, 'claude', prompt);

  const model = option(argv, '--model') ?? 'claude-sonnet-4-5';
  const permissionMode = option(argv, '--permission-mode') ?? 'default';
  const maxBudget = option(argv, '--max-budget-usd');
  const sessionId = randomUUID();
  const started = Date.now();
  const total = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
  let turns = 0;
  let messages = 0;
  const base = { parent_tool_use_id: null, session_id: sessionId };

  emit({
    type: 'system',
    subtype: 'init',
    cwd: process.cwd(),
    session_id: sessionId,
    tools: ['Task', 'Bash', 'Edit', 'Read', 'Write', 'Glob', 'Grep', 'WebFetch', 'WebSearch'],
    mcp_servers: [],
    model,
    permissionMode,
    slash_commands: [],
    apiKeySource: process.env.ANTHROPIC_API_KEY ? 'ANTHROPIC_API_KEY' : 'none',
    claude_code_version: '2.1.332',
    output_style: 'default',
    agents: [],
    skills: [],
    plugins: [],
    uuid: randomUUID(),
  });

  /** One model response: its content blocks as separate assistant events, as the real CLI streams them. */
  const respond = (blocks, usage) => {
    const id = `msg_fake_${++messages}`;
    turns++;
    for (const k of Object.keys(total)) total[k] += usage[k];
    for (const block of blocks) {
      emit({
        type: 'assistant',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [block],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input,
            cache_creation_input_tokens: usage.cacheWrite,
            cache_read_input_tokens: usage.cacheRead,
            output_tokens: 1,
          },
        },
        ...base,
        uuid: randomUUID(),
        timestamp: new Date().toISOString(),
      });
    }
  };

  const result = (fields) => {
    const usd = cost(total);
    emit({
      type: 'result',
      subtype: 'success',
      is_error: false,
      duration_ms: Date.now() - started,
      duration_api_ms: Date.now() - started,
      num_turns: turns,
      stop_reason: 'end_turn',
      session_id: sessionId,
      total_cost_usd: usd,
      usage: {
        input_tokens: total.input,
        cache_creation_input_tokens: total.cacheWrite,
        cache_read_input_tokens: total.cacheRead,
        output_tokens: total.output,
      },
      modelUsage: {
        [model]: {
          inputTokens: total.input,
          outputTokens: total.output,
          cacheReadInputTokens: total.cacheRead,
          cacheCreationInputTokens: total.cacheWrite,
          webSearchRequests: 0,
          costUSD: usd,
          contextWindow: 200000,
          maxOutputTokens: 32000,
        },
      },
      permission_denials: [],
      uuid: randomUUID(),
      ...fields,
    });
  };

  if (how.mode === 'stall') await stall(how);
  if (how.mode === 'fail') {
    respond([{ type: 'text', text: 'Looking at the task.' }], {
      input: 1200,
      output: 20,
      cacheWrite: 0,
      cacheRead: 0,
    });
    result({
      subtype: 'error_during_execution',
      is_error: true,
      stop_reason: null,
      errors: ['fake failure (FAKE_CLI_MODE=fail)'],
    });
    process.exit(1);
  }
  if (how.mode === 'overspend') {
    for (let turn = 1; turn <= how.turns; turn++) {
      respond([{ type: 'text', text: `Still working (turn ${turn}).` }], {
        input: 20000,
        output: 400,
        cacheWrite: 0,
        cacheRead: 0,
      });
      if (maxBudget !== null && cost(total) >= Number(maxBudget)) {
        result({
          subtype: 'error_max_budget_usd',
          is_error: true,
          stop_reason: 'tool_use',
          errors: [`Reached maximum budget ($${maxBudget})`],
          terminal_reason: 'budget_exhausted',
        });
        process.exit(1);
      }
      await sleep(how.turnDelayMs);
    }
  }

  if (how.answer !== null && permissionMode === 'plan') {
    // Plan mode changes nothing: the answer is the run's final message.
    respond([{ type: 'text', text: how.answer }], { input: 1800, output: 90, cacheWrite: 0, cacheRead: 0 });
    result({ result: how.answer });
    return;
  }
  const secret = printedValue(how);
  const opening = secret === null ? "I'll make the change." : `I'll make the change. The key is ${secret}.`;
  const toolUseId = `toolu_fake_${randomUUID().slice(0, 8)}`;
  respond(
    [
      { type: 'text', text: opening },
      {
        type: 'tool_use',
        id: toolUseId,
        name: 'Write',
        input: { file_path: how.file, content: 'changed by fake claude\n' },
      },
    ],
    { input: 1200, output: 40, cacheWrite: 2000, cacheRead: 0 },
  );
  change(how, 'changed by fake claude');
  emit({
    type: 'user',
    message: {
      role: 'user',
      content: [
        { tool_use_id: toolUseId, type: 'tool_result', content: `File created successfully at: ${how.file}` },
      ],
    },
    ...base,
    uuid: randomUUID(),
    timestamp: new Date().toISOString(),
  });
  const summary = `Changed ${how.file.split('/').pop()} as asked.`;
  respond([{ type: 'text', text: summary }], { input: 1450, output: 12, cacheWrite: 0, cacheRead: 2000 });
  result({ result: summary });
}
