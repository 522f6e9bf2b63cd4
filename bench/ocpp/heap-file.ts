/** Where heap-probe.ts writes its readings, and how the bench asks for one (BENCH_HEAP_PROBE=1). */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Memory of the service after a full GC, in MB. */
export interface HeapReading {
  /** Whether the GC ran (`--expose-gc`); without it the figures include garbage. */
  gc: boolean;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  rssMb: number;
}

export function heapProbeFile(pid: number): string {
  return join(tmpdir(), `bench-ocpp-heap-${pid}.jsonl`);
}

/** Signals the service and waits for its reading (a full GC of a loaded heap takes a moment). */
export async function heapAfterGc(pid: number, timeoutMs = 30_000): Promise<HeapReading | undefined> {
  const file = heapProbeFile(pid);
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const before = lines().length;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = lines();
    if (now.length > before) return JSON.parse(now[now.length - 1]!) as HeapReading;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
