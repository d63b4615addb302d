import { runCli } from './cli.js';

// `tundra … | head` closes the pipe early: that ends the output, it is not a failure to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await runCli(
  process.argv.slice(2),
  { out: process.stdout, err: process.stderr },
  process.env,
);
