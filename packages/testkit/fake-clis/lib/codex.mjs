// A stand-in for `codex exec --json` (Codex CLI 0.171.0): the same JSONL events and fields, recorded from the
// real CLI (packages/engine/test/fixtures/presets/codex/). Codex reports usage only when the turn ends, as the
// thread's running total, and never a cost.
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

export async function runFakeCodex() {
  const argv = process.argv.slice(2);
  const how = behaviour('codex');
  if (argv[0] !== 'exec') fail('fake codex: only `codex exec` is faked');
  if (!argv.includes('--json')) fail('fake codex: only --json output is faked');
  const sandbox = option(argv, '--sandbox', '-s') ?? 'read-only';
  const last = argv.at(-1);
  let prompt = last;
  if (last === '-' || last === undefined || last.startsWith('-')) {
    process.stderr.write('Reading additional input from stdin...\n');
    prompt = await readStdin();
  }
  if (!prompt?.trim())
    fail('No prompt provided. Either specify one as an argument or pipe the prompt into stdin.', 1);
  record(how, 'codex', prompt);

  let items = 0;
  const item = (fields) => ({ id: `item_${items++}`, ...fields });
  const run = async (command, output, doIt) => {
    const started = item({
      type: 'command_execution',
      command,
      aggregated_output: '',
      exit_code: null,
      status: 'in_progress',
    });
    emit({ type: 'item.started', item: started });
    doIt?.();
    emit({
      type: 'item.completed',
      item: { ...started, aggregated_output: output, exit_code: 0, status: 'completed' },
    });
  };

  emit({ type: 'thread.started', thread_id: randomUUID() });
  emit({ type: 'turn.started' });
  if (how.mode === 'stall') await stall(how);
  if (how.mode === 'fail') {
    const message =
      'unexpected status 401 Unauthorized: Incorrect API key provided: sk-fake., url: https://api.openai.com/v1/responses';
    for (let attempt = 1; attempt <= 5; attempt++) {
      emit({ type: 'error', message: `Reconnecting... ${attempt}/5 (${message})` });
    }
    emit({ type: 'error', message });
    emit({ type: 'turn.failed', error: { message } });
    process.exit(1);
  }
  let usage = {
    input_tokens: 3900,
    cached_input_tokens: 1792,
    cache_write_input_tokens: 0,
    output_tokens: 85,
  };
  if (how.mode === 'overspend') {
    for (let turn = 1; turn <= how.turns; turn++) {
      await run(`/bin/bash -lc "echo step ${turn}"`, `step ${turn}\n`);
      await sleep(how.turnDelayMs);
    }
    usage = {
      input_tokens: 40_000 * how.turns,
      cached_input_tokens: 0,
      cache_write_input_tokens: 0,
      output_tokens: 800 * how.turns,
    };
  }
  const secret = printedValue(how);
  if (secret !== null) await run(`/bin/bash -lc "printenv ${how.printEnv}"`, `${secret}\n`);
  const name = how.file.split('/').pop();
  if (sandbox === 'read-only') {
    const text = how.answer ?? `Cannot change ${name}: the sandbox is read-only.`;
    emit({ type: 'item.completed', item: item({ type: 'agent_message', text }) });
  } else {
    await run(`/bin/bash -lc "printf 'changed by fake codex\\\\n' >> ${name}"`, '', () =>
      change(how, 'changed by fake codex'),
    );
    emit({
      type: 'item.completed',
      item: item({ type: 'agent_message', text: `Changed ${name} as asked.` }),
    });
  }
  emit({ type: 'turn.completed', usage: { ...usage, reasoning_output_tokens: 0 } });
}
