import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** A started service: how to stop it. */
export interface RunningService {
  /** Stop taking new work, finish or hand back what is in flight, close connections. */
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  app: string;
  logger: Logger;
  shutdownTimeoutMs: number;
  start(): Promise<RunningService>;
  /** Where to listen for signals; injected by tests. */
  signals?: NodeJS.EventEmitter;
  /** Called with the exit code once stopped; `process.exit` by default. */
  exit?: (code: number) => void;
}

/**
 * Runs an app's main loop: start, log ready, and on SIGTERM/SIGINT stop within the shutdown timeout. A second
 * signal, or a stop that overruns, exits at once with code 1 (BullMQ hands unfinished jobs back as stalled).
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  const { logger } = options;
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let service: RunningService;
  try {
    service = await options.start();
  } catch (error) {
    logger.fatal({ err: error }, `${options.app} failed to start`);
    logger.flush();
    exit(1);
    return;
  }
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, `${options.app} is stopping`);
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: options.shutdownTimeoutMs }, 'shutdown timed out: exiting');
      exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    service.stop().then(
      () => {
        clearTimeout(timer);
        logger.info(`${options.app} stopped`);
        logger.flush();
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger.error({ err: error }, 'error while stopping');
        exit(1);
      },
    );
  };
  signals.on('SIGTERM', () => onSignal('SIGTERM'));
  signals.on('SIGINT', () => onSignal('SIGINT'));
  // Said once the signals are handled: whoever waits for this line may stop the app right away.
  logger.info(`${options.app} is ready`);
}

/** Listens on `port` (0 = any free port) and resolves once bound. */
export function listen(server: Server, port: number, host: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port });
    });
  });
}

/** Closes an HTTP server, ending idle keep-alive connections so it does not wait for clients to hang up. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
