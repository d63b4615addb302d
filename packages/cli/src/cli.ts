import { Command, CommanderError } from 'commander';
import { registerActions } from './commands/actions.js';
import { registerInbox } from './commands/inbox.js';
import { registerProjects } from './commands/projects.js';
import { registerReports } from './commands/reports.js';
import { registerRuns } from './commands/runs.js';
import { defaultApiUrl } from './context.js';
import { ApiRequestError, CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { Io } from './output.js';

/** The `tundra` command tree. Usage errors throw (exitOverride) so `runCli` decides the exit code. */
export function createProgram(io: Io, env: Record<string, string | undefined>): Command {
  const program = new Command('tundra')
    .description("Tundra's operator command line: projects, runs, steps, the webhook inbox and reports")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out.write(text), writeErr: (text) => io.err.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .option('--api-url <url>', `the API (default: $TUNDRA_API_URL or ${defaultApiUrl})`)
    .option('--token <token>', 'the admin token (default: $TUNDRA_API_TOKEN)')
    .option('--project-token <token>', 'a project token instead (default: $TUNDRA_PROJECT_TOKEN)')
    .option('--json', 'print JSON for scripts instead of tables');
  registerProjects(program, io, env);
  registerRuns(program, io, env);
  registerActions(program, io, env);
  registerInbox(program, io, env);
  registerReports(program, io, env);
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 API or other error, 2 usage error, 3 not found, 4 conflict or forbidden action, 5 auth.',
  );
  return program;
}

function details(error: ApiRequestError): string[] {
  const { problems, issues } = error.details as {
    problems?: { field: string; message: string }[];
    issues?: { location: string; path: string; message: string }[];
  };
  return [
    ...(problems ?? []).map((p) => `  - ${p.field}: ${p.message}`),
    ...(issues ?? []).map((i) => `  - ${i.location}${i.path ? `.${i.path}` : ''}: ${i.message}`),
  ];
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: Io,
  env: Record<string, string | undefined>,
): Promise<number> {
  const program = createProgram(io, env);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; help shown because a subcommand is missing is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      if (error.message === '') return error.exitCode;
      if (json && error.body !== null) io.out.write(`${JSON.stringify(error.body, null, 2)}\n`);
      else {
        const code = error instanceof ApiRequestError ? ` (${error.code})` : '';
        io.err.write(`error${code}: ${error.message}\n`);
        if (error instanceof ApiRequestError) for (const line of details(error)) io.err.write(`${line}\n`);
      }
      return error.exitCode;
    }
    io.err.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Error;
  }
}
