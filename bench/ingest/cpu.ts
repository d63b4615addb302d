import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** CPU seconds used so far by each party of a phase: the server under test, Redis, and this driver. */
export interface CpuSnapshot {
  server: number;
  redis: number;
  driver: number;
}

// utime and stime, in clock ticks: fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised name.
const clockTicksPerSecond = 100;
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return read('used_cpu_user') + read('used_cpu_sys');
}

export async function cpuSnapshot(serverPid: number, redis: Redis): Promise<CpuSnapshot> {
  const driver = process.cpuUsage();
  return {
    server: processCpuSeconds(serverPid),
    redis: await redisCpuSeconds(redis),
    driver: (driver.user + driver.system) / 1e6,
  };
}

/** Microseconds of CPU per request for each party between two snapshots. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuSnapshot {
  const per = (name: keyof CpuSnapshot) => ((after[name] - before[name]) * 1e6) / Math.max(1, requests);
  return { server: per('server'), redis: per('redis'), driver: per('driver') };
}
