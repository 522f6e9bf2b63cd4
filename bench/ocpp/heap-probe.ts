/**
 * Preloaded into the ocpp service (`--import`, with `--expose-gc`) when BENCH_HEAP_PROBE=1: on
 * SIGUSR2 it runs a full GC and appends the heap's live size to `heapProbeFile(pid)`. RSS alone
 * says little about what a connection costs: it includes the young generation (128 MB with
 * `--max-semi-space-size=64`) and the old generation's headroom until its next mark-compact, which
 * depends on GC timing (and the machine's load), ±100 MB between runs of one build.
 */
import { appendFileSync } from 'node:fs';
import { heapProbeFile, type HeapReading } from './heap-file.js';

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  const reading: HeapReading = { gc: gc !== undefined, heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), rssMb: mb(m.rss) };
  appendFileSync(heapProbeFile(process.pid), `${JSON.stringify(reading)}\n`);
});
