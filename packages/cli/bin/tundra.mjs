#!/usr/bin/env node
// The installed `tundra` command runs the built CLI (`pnpm --filter @tundra/cli build`). In the workspace, run
// the sources directly: `node --conditions=source --import tsx packages/cli/src/main.ts`.
await import('../dist/main.js');
