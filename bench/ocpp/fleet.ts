/** Fleets of simulated chargers (sim-charger.ts), and part 1: connections held with heartbeats. */
import { performance } from 'node:perf_hooks';
import { uniqueSuffix } from '@cpo/testing';
import { sleep } from '../_platform.js';
import { heapAfterGc, type HeapReading } from './heap-file.js';
import { Latencies, rssOf } from './proc.js';
import type { Server } from './servers.js';
import { CALL_TIMEOUT_MS, CONNECT_CONCURRENCY, CONNECTIONS, HEARTBEAT_S, HOLD_S, out, SOURCE_IPS } from './settings.js';
import { SimCharger } from './sim-charger.js';

export async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

const BOOT = { chargePointVendor: 'Bench', chargePointModel: 'Sim-1', firmwareVersion: '1.0.0' };

export interface Fleet {
  chargers: SimCharger[];
  failed: number;
  /** WebSocket upgrades per second (admission incl. auto-registration, presence, connected event). */
  openPerS: number;
  /** BootNotifications per second (incl. the onboarding GetConfiguration the service sends). */
  bootPerS: number;
  seconds: number;
}

/** Connects all `n` chargers, then boots them: the two rates are reported apart. */
export async function connectFleet(url: string, prefix: string, n: number, concurrency: number): Promise<Fleet> {
  const chargers = Array.from({ length: n }, (_, i) => new SimCharger(`${prefix}-${i}`, CALL_TIMEOUT_MS, SOURCE_IPS > 1 ? `127.0.0.${1 + (i % SOURCE_IPS)}` : undefined));
  const opened: SimCharger[] = [];
  const ok: SimCharger[] = [];
  let failed = 0;
  let lastError = '';
  const fail = (c: SimCharger, err: unknown) => {
    failed += 1;
    lastError = (err as Error).message;
    c.close();
  };
  const started = performance.now();
  await pool(chargers, concurrency, async (c) => {
    try {
      await c.open(url);
      opened.push(c);
    } catch (err) {
      fail(c, err);
    }
  });
  const openS = (performance.now() - started) / 1000;
  const bootStarted = performance.now();
  await pool(opened, concurrency, async (c) => {
    try {
      const boot = await c.call('BootNotification', BOOT);
      if (!boot.ok || (boot.payload as { status?: string }).status !== 'Accepted') throw new Error(`boot: ${JSON.stringify(boot.payload)}`);
      ok.push(c);
    } catch (err) {
      fail(c, err);
    }
  });
  const bootS = (performance.now() - bootStarted) / 1000;
  if (failed) out(`  ${failed} chargers failed to connect/boot (last error: ${lastError})`);
  return { chargers: ok, failed, openPerS: Math.round(opened.length / openS), bootPerS: Math.round(ok.length / bootS), seconds: openS + bootS };
}

export interface ConnectionsResult {
  target: number;
  connected: number;
  failed: number;
  openPerS: number;
  bootPerS: number;
  stillOpen: number;
  heartbeats: ReturnType<Latencies['summary']>;
  heartbeatErrors: number;
  rssIdleMb: number;
  rssMb: number;
  peakMb: number;
  kbPerConnection: number;
  /** BENCH_HEAP_PROBE=1: the service's heap after a full GC, idle and loaded (RSS varies with GC timing, this does not). */
  heapIdle?: HeapReading;
  heapLoaded?: HeapReading;
  /** Live heap per connection (heapUsed after GC, loaded − idle). */
  heapKbPerConnection?: number;
}

export async function partConnections(server: Server): Promise<ConnectionsResult> {
  out(`part 1: ${CONNECTIONS} connections to ${server.name}, a Heartbeat every ${HEARTBEAT_S} s each, held ${HOLD_S} s`);
  const idle = rssOf(server.pid);
  const heapIdle = server.heapProbe ? await heapAfterGc(server.pid) : undefined;
  const fleet = await connectFleet(server.url, `HB${uniqueSuffix()}`, CONNECTIONS, CONNECT_CONCURRENCY);
  out(
    `  connected and booted ${fleet.chargers.length} in ${fleet.seconds.toFixed(1)} s (upgrades ${fleet.openPerS}/s, then BootNotifications ${fleet.bootPerS}/s, ${CONNECT_CONCURRENCY} at a time); server RSS ${rssOf(server.pid).rssMb} MB`,
  );
  const lat = new Latencies();
  let errors = 0;
  let holding = true;
  const loops = fleet.chargers.map(async (c) => {
    await sleep(Math.random() * HEARTBEAT_S * 1000);
    while (holding) {
      const t = performance.now();
      const r = await c.call('Heartbeat', {});
      if (r.ok) lat.add(performance.now() - t);
      else errors += 1;
      await sleep(HEARTBEAT_S * 1000);
    }
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(server.pid).rssMb)), 1000);
  await sleep(HOLD_S * 1000);
  const held = rssOf(server.pid);
  const stillOpen = fleet.chargers.filter((c) => c.isOpen).length;
  // After the RSS readings (a full GC moves them), while the chargers are still connected.
  const heapLoaded = server.heapProbe ? await heapAfterGc(server.pid) : undefined;
  holding = false;
  clearInterval(sampler);
  for (const c of fleet.chargers) c.close();
  // The loops end at their next wake-up: do not wait for them (they sleep up to HEARTBEAT_S).
  void Promise.all(loops);
  const result: ConnectionsResult = {
    target: CONNECTIONS,
    connected: fleet.chargers.length,
    failed: fleet.failed,
    openPerS: fleet.openPerS,
    bootPerS: fleet.bootPerS,
    stillOpen,
    heartbeats: lat.summary(),
    heartbeatErrors: errors,
    rssIdleMb: idle.rssMb,
    rssMb: Math.max(peak, held.rssMb),
    peakMb: held.peakMb,
    kbPerConnection: Math.round(((Math.max(peak, held.rssMb) - idle.rssMb) * 1024) / Math.max(1, fleet.chargers.length)),
    ...(heapIdle && heapLoaded
      ? { heapIdle, heapLoaded, heapKbPerConnection: Math.round(((heapLoaded.heapUsedMb - heapIdle.heapUsedMb) * 1024 * 10) / Math.max(1, fleet.chargers.length)) / 10 }
      : {}),
  };
  out(
    `  held ${stillOpen}/${CONNECTIONS} open; ${result.heartbeats.count} heartbeats answered (p50 ${result.heartbeats.p50} ms, p99 ${result.heartbeats.p99} ms, ${errors} errors); ` +
      `server RSS ${result.rssIdleMb} MB idle → ${result.rssMb} MB (peak ${result.peakMb} MB, ≈ ${result.kbPerConnection} kB per connection)` +
      `  [target 10,000: ${stillOpen >= 10_000 ? 'met' : CONNECTIONS < 10_000 ? 'not tested' : 'MISSED'}]`,
  );
  if (result.heapIdle && result.heapLoaded)
    out(
      `  heap after a full GC ${result.heapIdle.heapUsedMb} MB idle → ${result.heapLoaded.heapUsedMb} MB (≈ ${result.heapKbPerConnection} kB live per connection; heapTotal ${result.heapLoaded.heapTotalMb} MB, external ${result.heapLoaded.externalMb} MB)` +
        (result.heapLoaded.gc ? '' : ' [no --expose-gc: includes garbage]'),
    );
  else if (server.heapProbe) out('  heap after a full GC: no reading from the service (heap-probe.js not loaded?)');
  await sleep(2000); // let the server record the disconnections before the next part
  return result;
}
