import type { Logger } from 'pino';

type Level = 'error' | 'warn' | 'info';

interface Window {
  level: Level;
  msg: string;
  fields: Record<string, unknown>;
  suppressed: number;
}

/**
 * Logs events that anyone on the network can cause (unauthenticated or malformed requests) without letting them
 * flood the log: the first of each kind is logged at once, the rest of the interval only counted, and a line with
 * the count (`suppressed`) closes the interval. The metric next to each such log counts every one.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Logs `msg` for `kind` now if it is the first of its interval, else counts it. */
  log(level: Level, kind: string, fields: Record<string, unknown>, msg: string): void {
    const open = this.windows.get(kind);
    if (open) {
      open.suppressed++;
      open.fields = fields;
      return;
    }
    this.logger[level]({ ...fields, kind }, msg);
    this.windows.set(kind, { level, msg, fields, suppressed: 0 });
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs).unref();
  }

  /** Closes the interval: one line per kind that had more than its first, with how many more. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [kind, window] of this.windows) {
      if (window.suppressed === 0) continue;
      this.logger[window.level](
        { ...window.fields, kind, suppressed: window.suppressed, intervalMs: this.intervalMs },
        `${window.msg} (${window.suppressed} more like it in the last ${this.intervalMs / 1000} s)`,
      );
    }
    this.windows.clear();
  }
}
