import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** CPU seconds used so far by each party of a phase: the server under test, Redis, and this driver. */
export interface CpuSnapshot {
  server: number;
  /** The server's part spent in the kernel (system calls: socket reads and writes, accepts). */
  serverKernel: number;
  redis: number;
  driver: number;
}

// utime and stime, in clock ticks: fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised name.
const clockTicksPerSecond = 100;
function processCpuSeconds(pid: number): { total: number; kernel: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [user, kernel] = [Number(fields[11]) / clockTicksPerSecond, Number(fields[12]) / clockTicksPerSecond];
  return { total: user + kernel, kernel };
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return read('used_cpu_user') + read('used_cpu_sys');
}

export async function cpuSnapshot(serverPid: number, redis: Redis): Promise<CpuSnapshot> {
  const driver = process.cpuUsage();
  const server = processCpuSeconds(serverPid);
  return {
    server: server.total,
    serverKernel: server.kernel,
    redis: await redisCpuSeconds(redis),
    driver: (driver.user + driver.system) / 1e6,
  };
}

/** Microseconds of CPU per request for each party between two snapshots. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuSnapshot {
  const per = (name: keyof CpuSnapshot) => ((after[name] - before[name]) * 1e6) / Math.max(1, requests);
  return {
    server: per('server'),
    serverKernel: per('serverKernel'),
    redis: per('redis'),
    driver: per('driver'),
  };
}
