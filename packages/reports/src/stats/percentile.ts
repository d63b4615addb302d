/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks (the method of Excel's PERCENTILE.INC
 * and R's default), or null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] as number;
  return lowValue + (rank - low) * ((sorted[high] as number) - lowValue);
}

export const reportedPercentiles = [50, 85, 95] as const;

/** p50, p85 and p95 of the values, rounded to a tenth. */
export function percentiles(values: readonly number[]): Record<'p50' | 'p85' | 'p95', number | null> {
  const at = (p: number) => {
    const value = percentile(values, p);
    return value === null ? null : round1(value);
  };
  return { p50: at(50), p85: at(85), p95: at(95) };
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
