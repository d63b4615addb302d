/** A per-token request budget over a fixed window, as GitHub's primary rate limit and GitLab's per-user limits count. */
export class RateWindow {
  private readonly windows = new Map<string, { used: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    private readonly windowSeconds = 3600,
  ) {}

  /** Counts one request; `allowed` is false once the window's budget is spent. */
  take(key: string, nowMs = Date.now()): { allowed: boolean; remaining: number; reset: number } {
    let window = this.windows.get(key);
    if (!window || window.resetAt * 1000 <= nowMs) {
      window = { used: 0, resetAt: Math.ceil(nowMs / 1000) + this.windowSeconds };
      this.windows.set(key, window);
    }
    if (window.used >= this.limit) return { allowed: false, remaining: 0, reset: window.resetAt };
    window.used += 1;
    return { allowed: true, remaining: this.limit - window.used, reset: window.resetAt };
  }
}
