import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a port can be listened on now on 127.0.0.1. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Redis refuses a Cluster node above it: the node's bus port is its port + 10,000, and ports end at 65,535. */
const highestClusterPort = 55_535;

/**
 * A free port for a Redis Cluster node: at most 55,535, with its bus port (+10,000) free too. The kernel's free
 * ports run up to 60,999 here, so a plain `freePort` gave a node Redis would not start about one time in five.
 */
export async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port <= highestClusterPort && (await canListen(port + 10_000))) return port;
  }
}
