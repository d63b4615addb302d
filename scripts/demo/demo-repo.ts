import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createGitRemote } from '@tundra/testkit';

/** A bare repository with one commit on `main`, the demo project's remote (created once, kept between starts). */
export function ensureDemoRepository(dir: string): string {
  const bare = join(dir, 'origin.git');
  if (existsSync(join(bare, 'HEAD'))) return bare;
  mkdirSync(dir, { recursive: true });
  return createGitRemote(dir);
}
