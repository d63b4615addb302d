// A stand-in for `aider --message-file F --yes-always --no-pretty --no-stream` (aider 0.86): plain lines in the
// format of aider's source (base_coder.py's announcements, "Applied edit to", and the usage report), since aider
// has no structured output. Like aider, it exits 0 when the provider refuses the request.
import { readFileSync } from 'node:fs';
import { behaviour, change, fail, option, printedValue, record, say, sleep, stall } from './common.mjs';

/** aider's utils.format_tokens. */
function formatTokens(count) {
  if (count < 1000) return `${count}`;
  if (count < 10000) return `${(count / 1000).toFixed(1)}k`;
  return `${Math.round(count / 1000)}k`;
}

/** The cost format of base_coder.calculate_and_show_tokens_and_cost. */
function formatCost(value) {
  if (value === 0) return '0.00';
  if (value >= 0.01) return value.toFixed(2);
  return value.toFixed(Math.max(2, 2 - Math.trunc(Math.log10(value))));
}

export async function runFakeAider() {
  const argv = process.argv.slice(2);
  const how = behaviour('aider');
  const messageFile = option(argv, '--message-file', '-f');
  const message = option(argv, '--message', '--msg', '-m');
  if (!messageFile && !message) fail('fake aider: only --message / --message-file runs are faked');
  if (!argv.includes('--yes-always')) fail('fake aider: without --yes-always aider would wait for answers');
  let prompt = message;
  if (messageFile) {
    try {
      prompt = readFileSync(messageFile, 'utf8');
    } catch {
      say(`Message file not found: ${messageFile}`);
      process.exit(1);
    }
  }
  record(how, 'aider', prompt);
  const model = option(argv, '--model') ?? 'anthropic/claude-sonnet-4-5';
  const name = how.file.split('/').pop();

  say('Aider v0.86.2');
  say(`Main model: ${model} with diff edit format, infinite output`);
  say('Weak model: anthropic/claude-3-5-haiku-20241022');
  say('Git repo: .git with 3 files');
  say('Repo-map: using 4096 tokens, auto refresh');
  say('');
  if (how.mode === 'stall') await stall(how);
  if (how.mode === 'fail') {
    say(
      'litellm.AuthenticationError: AnthropicException - {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
    );
    say('The API provider is not able to authenticate you. Check your API key.');
    return;
  }
  let session = 0;
  const report = (sent, received, usd) => {
    session += usd;
    say(
      `Tokens: ${formatTokens(sent)} sent, ${formatTokens(received)} received. Cost: $${formatCost(usd)} message, $${formatCost(session)} session.`,
    );
  };
  if (how.mode === 'overspend') {
    for (let turn = 1; turn <= how.turns; turn++) {
      say(`Still working (request ${turn}).`);
      report(20_000, 400, 0.066);
      await sleep(how.turnDelayMs);
    }
  }
  const secret = printedValue(how);
  if (secret !== null) say(`The key is ${secret}.`);
  say(`I'll add a line to ${name}.`);
  say('');
  say(name);
  say('```');
  say('<<<<<<< SEARCH');
  say('=======');
  say('changed by fake aider');
  say('>>>>>>> REPLACE');
  say('```');
  say('');
  change(how, 'changed by fake aider');
  say(`Applied edit to ${name}`);
  report(2650, 52, 0.0087);
}
