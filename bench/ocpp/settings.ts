/** The OCPP benchmark's settings, from the environment (see ocpp-central-system.ts for the list). */
import { fileURLToPath } from 'node:url';

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
export const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3').split(',').map((s) => s.trim()));
export const CONNECTIONS = num('BENCH_CONNECTIONS', 10_000);
export const CONNECT_CONCURRENCY = num('BENCH_CONNECT_CONCURRENCY', 200);
export const HEARTBEAT_S = num('BENCH_HEARTBEAT_S', 20);
export const HOLD_S = num('BENCH_HOLD_S', 20);
export const STATIONS = num('BENCH_STATIONS', 1000);
export const RATE = num('BENCH_RATE', 2000);
export const RATE_S = num('BENCH_RATE_S', 15);
export const MAX_S = num('BENCH_MAX_S', 10);
/** Flat-out rounds per server, taken in turns (ours, bare, ours, …); the ratio is the median of the rounds that count. */
export const ROUNDS = Math.max(1, num('BENCH_ROUNDS', 3));
export const WARMUP_S = num('BENCH_WARMUP_S', 3);
export const STATUS_SHARE = num('BENCH_STATUS_SHARE', 0.25);
/** Sampled values per MeterValues: energy and power, then what a three-phase AC charger adds (up to 12). */
export const SAMPLES = Math.min(12, Math.max(2, num('BENCH_SAMPLES', 2)));
/** Part 1a: chargers with their own AuthorizationKey that reconnect to a fresh replica, and how long they keep trying. */
export const AUTH_CONNECTIONS = num('BENCH_AUTH_CONNECTIONS', 2_000);
export const AUTH_TIMEOUT_S = num('BENCH_AUTH_TIMEOUT_S', 600);
export const SOURCE_IPS = num('BENCH_SOURCE_IPS', Math.max(1, Math.ceil(Math.max(CONNECTIONS, AUTH_CONNECTIONS) / 20_000)));
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
export const CPU_PROF = process.env.BENCH_CPU_PROF;
/** 1: the ocpp service preloads heap-probe.js, and part 1 reports its heap after a full GC, idle and loaded. */
export const HEAP_PROBE = process.env.BENCH_HEAP_PROBE === '1';
export const BARE_STRICT = (process.env.BENCH_BARE_STRICT ?? '1') === '1';
export const CALL_TIMEOUT_MS = 30_000;
/** Share of a core below which the bare server at flat out was held back by other load (see the ratio). */
export const BARE_SATURATED = 0.97;
/** Largest difference in machine speed (reference workload) between the two flat-out phases for the ratio to count. */
export const SAME_SPEED = 0.1;
/** dist/, where the service's build is. */
export const distRoot = fileURLToPath(new URL('../..', import.meta.url));
export const out = (line = '') => process.stdout.write(`${line}\n`);
