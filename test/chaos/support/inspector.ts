import type { AppProcess } from '@tundra/testkit';
import WebSocket from 'ws';

/** Node options that open an app's inspector on a free loopback port, for `collectGarbage`. */
export const inspectorOptions = '--inspect=127.0.0.1:0';

/** The inspector's WebSocket address, from the line Node prints on stderr when it opens it. */
export function inspectorUrl(proc: AppProcess): string {
  for (const line of proc.stderr) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
    if (url) return url;
  }
  throw new Error(`no inspector address on the app's stderr (started without ${inspectorOptions}?)`);
}

/**
 * A full, compacting garbage collection in another Node process, through its inspector. V8 collects its old space
 * only when the space reaches a limit it raised under load, so a reading of the heap or the RSS taken at some
 * moment says where the process was in that cycle as much as what it holds: two readings taken after a full
 * collection compare what is kept. (`ws`, not undici's WebSocket: importing undici replaces the dispatcher of the
 * runner's global fetch with its own, which refuses the recorded deliveries' headers.)
 */
export async function collectGarbage(url: string, timeoutMs = 15_000): Promise<void> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer from the inspector at ${url} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`the inspector at ${url} refused the connection: ${error.message}`));
      });
      socket.on('open', () => socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
      socket.on('message', (data) => {
        const reply = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
        if (reply.id !== 1) return;
        clearTimeout(timer);
        if (reply.error) reject(new Error(`the inspector refused to collect: ${reply.error.message}`));
        else resolve();
      });
    });
  } finally {
    socket.close();
  }
}
