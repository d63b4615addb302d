/**
 * GC pauses in the server during a phase, read from its Prometheus `/metrics` (prom-client's default
 * `nodejs_gc_duration_seconds`). Garbage is what turns a fast median into a slow tail, so the bench reports it.
 */
export interface GcStats {
  count: number;
  totalMs: number;
  over10Ms: number;
}

function sum(text: string, pattern: RegExp): number {
  let total = 0;
  for (const match of text.matchAll(pattern)) total += Number(match[1]);
  return total;
}

async function scrape(url: string): Promise<GcStats> {
  const text = await (await fetch(url)).text();
  const count = sum(text, /^nodejs_gc_duration_seconds_count\{[^}]*\} ([\d.e+-]+)/gm);
  return {
    count,
    totalMs: sum(text, /^nodejs_gc_duration_seconds_sum\{[^}]*\} ([\d.e+-]+)/gm) * 1000,
    over10Ms: count - sum(text, /^nodejs_gc_duration_seconds_bucket\{le="0\.01",[^}]*\} ([\d.e+-]+)/gm),
  };
}

/** Reads the counts now; the returned function gives the GC pauses since. */
export async function gcStatsFrom(metricsUrl: string): Promise<() => Promise<GcStats>> {
  const before = await scrape(metricsUrl);
  return async () => {
    const after = await scrape(metricsUrl);
    return {
      count: after.count - before.count,
      totalMs: after.totalMs - before.totalMs,
      over10Ms: after.over10Ms - before.over10Ms,
    };
  };
}
