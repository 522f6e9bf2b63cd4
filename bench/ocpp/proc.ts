/** Measurements from /proc and of this process: percentiles, RSS, CPU time, machine load and speed. */
import { readdirSync, readFileSync } from 'node:fs';

export function pct(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export class Latencies {
  private values: number[] = [];
  add(ms: number): void {
    this.values.push(ms);
  }
  get count(): number {
    return this.values.length;
  }
  summary() {
    const s = Float64Array.from(this.values).sort();
    const r = (x: number) => Math.round(x * 10) / 10;
    return { count: s.length, p50: r(pct(s, 50)), p90: r(pct(s, 90)), p99: r(pct(s, 99)), max: r(s[s.length - 1] ?? NaN) };
  }
}

/** Resident set size of a process in MB (VmRSS), and its peak (VmHWM). */
export function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** CPU seconds (user + system) a process has used. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Busy share of all cores since the previous call (whole machine, everyone's load). */
export function machineCpu(): () => number {
  const read = () => {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = v.map(Number);
    const idle = n[3]! + n[4]!;
    return { idle, total: n.reduce((a, b) => a + b, 0) };
  };
  const start = read();
  return () => {
    const end = read();
    return 1 - (end.idle - start.idle) / Math.max(1, end.total - start.total);
  };
}

/**
 * CPU seconds used per process by the PostgreSQL backends serving one database (their process
 * title names it) and by the NATS server: the machine is shared, so per-CALL CPU is the figure
 * that survives other people's load, where CALLs/s does not. Per pid, because pool connections
 * come and go.
 */
export function infraCpu(database: string): Map<number, { kind: 'postgres' | 'nats'; cpu: number }> {
  const found = new Map<number, { kind: 'postgres' | 'nats'; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const kind = cmdline.startsWith('postgres: ') && cmdline.includes(` ${database} `) ? 'postgres' : cmdline.includes('nats-server') ? 'nats' : undefined;
      if (kind) found.set(Number(entry), { kind, cpu: cpuSecondsOf(Number(entry)) });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** CPU seconds the infrastructure processes used between two `infraCpu` readings. */
export function infraDelta(before: ReturnType<typeof infraCpu>, after: ReturnType<typeof infraCpu>): { postgres: number; nats: number } {
  const sum = { postgres: 0, nats: 0 };
  for (const [pid, a] of after) sum[a.kind] += a.cpu - (before.get(pid)?.cpu ?? 0);
  return sum;
}

export function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m?.[1] === 'unlimited' ? Infinity : Number(m?.[1] ?? 1024);
}

/** Frames of the kind the bench sends, for the reference workload. */
const PROBE_FRAME = JSON.stringify([2, '1', 'MeterValues', { connectorId: 1, transactionId: 1, meterValue: [{ timestamp: new Date(0).toISOString(), sampledValue: [{ value: '1', measurand: 'Energy.Active.Import.Register' }] }] }]);

/**
 * The CPU time (ms) a fixed piece of JavaScript takes now, about 2 ms: the machine's speed, whoever
 * else runs (CPU time, so waiting for a core does not count). Taken every second of a phase, it
 * shows what CPU per CALL figures alone cannot tell apart: this shared VM's speed drifts by tens of
 * percent within minutes, and a bare server that ran on a slower machine than ours makes a
 * flattering ratio.
 */
export function speedProbe(): number {
  const c0 = process.cpuUsage();
  let n = 0;
  for (let i = 0; i < 2_000; i++) n += (JSON.parse(PROBE_FRAME) as unknown[]).length + JSON.stringify([3, String(i), {}]).length;
  if (n === 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}
