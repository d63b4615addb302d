/**
 * How long the ingester's accepted webhooks waited, after their answer, for their jobs to be added (the batches
 * after the answer), read from its `/metrics` histogram `tundra_ingest_jobs_added_delay_seconds`.
 */
export interface JobsAddedStats {
  count: number;
  /** The upper bound of the bucket that holds the 99th percentile, in ms (a histogram tells no more). */
  p99AtMostMs: number;
  maxBucketMs: number;
}

type Buckets = Map<number, number>;

async function scrape(url: string): Promise<Buckets> {
  const text = await (await fetch(url)).text();
  const buckets: Buckets = new Map();
  for (const match of text.matchAll(
    /^tundra_ingest_jobs_added_delay_seconds_bucket\{le="([^"]+)"[^}]*\} ([\d.e+-]+)/gm,
  )) {
    buckets.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2]));
  }
  return buckets;
}

/** Reads the histogram now; the returned function gives what was observed since. */
export async function jobsAddedFrom(metricsUrl: string): Promise<() => Promise<JobsAddedStats>> {
  const before = await scrape(metricsUrl);
  return async () => {
    const after = await scrape(metricsUrl);
    const bounds = [...after.keys()].sort((a, b) => a - b);
    const cumulative = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
    const count = cumulative.at(-1) ?? 0;
    const at = (q: number) => bounds[cumulative.findIndex((n) => n >= q * count)] ?? Number.NaN;
    const top = bounds[cumulative.indexOf(count)] ?? Number.NaN;
    return { count, p99AtMostMs: at(0.99) * 1000, maxBucketMs: top * 1000 };
  };
}
