/** Age buckets of the "by age" charts, in days: [from, to). */
export const ageBuckets = [
  { label: '< 1 day', from: 0, to: 1 },
  { label: '1–3 days', from: 1, to: 3 },
  { label: '3–7 days', from: 3, to: 7 },
  { label: '1–2 weeks', from: 7, to: 14 },
  { label: '2–4 weeks', from: 14, to: 28 },
  { label: '4+ weeks', from: 28, to: Number.POSITIVE_INFINITY },
] as const;

export function ageBucket(ageDays: number): string {
  return (ageBuckets.find((bucket) => ageDays < bucket.to) ?? ageBuckets[5]).label;
}

export const ageBucketLabels: string[] = ageBuckets.map((bucket) => bucket.label);
