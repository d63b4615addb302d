/**
 * Stops an engine that prints nothing for `stallMs`: checks a few times per period when it last printed (or when it
 * started) and calls `onStall` once. Returns the function that stops watching.
 */
export function watchForStall(options: {
  stallMs: number;
  /** When the engine last printed anything, or started (epoch ms). */
  lastOutputAt: () => number;
  now: () => number;
  onStall: (silentMs: number) => void;
}): () => void {
  const everyMs = Math.max(100, Math.min(1_000, Math.floor(options.stallMs / 4)));
  const timer = setInterval(() => {
    const silentMs = options.now() - options.lastOutputAt();
    if (silentMs >= options.stallMs) {
      clearInterval(timer);
      options.onStall(silentMs);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
