import { applyStep, matches, type ScenarioStep } from './scenario.js';
import { mergeKinds, type ErrorKindCount } from './station/error-tally.js';
import { SimulatedStation } from './station/simulated-station.js';
import { defaultStation, type StationConfig } from './station/station-config.js';
import { sessionToken } from './token.js';

export { refusalHint, sessionToken } from './token.js';

export interface FleetOptions {
  url: string;
  count: number;
  /** Identity pattern; `{n}` is replaced by the 1-based station number, zero-padded to 4. */
  idPattern: string;
  station: Partial<StationConfig>;
  basicAuthKey?: string;
  meterIntervalS: number;
  /** Mean seconds between session starts per station (exponential arrivals); 0 = no sessions. */
  sessionEveryS: number;
  sessionMinutes: number;
  evMaxKw: number;
  /** Seconds between connection attempts of consecutive stations (paced ramp-up). */
  rampMs: number;
  durationS: number;
  /** Scripted steps, timed from the end of the ramp-up. */
  scenario?: ScenarioStep[];
}

export interface FleetReport {
  stations: number;
  connected: number;
  booted: number;
  sessionsStarted: number;
  sessionsStopped: number;
  /** Session starts the central system refused (Authorize, or StartTransaction with StopTransactionOnInvalidId): not errors. */
  authorizationsRefused: number;
  messages: number;
  errors: number;
  /** `errors` by kind (`<action or step>: <CALLERROR code | timeout | disconnected | message>`), with one full message each. */
  errorsByKind: Record<string, ErrorKindCount>;
  latencyMs: Record<string, { count: number; p50: number; p95: number; p99: number }>;
}

/**
 * Runs many simulated stations from one process: paced connection ramp-up,
 * random session arrivals, and a bounded run time. Used by the CLI and by
 * load benchmarks.
 */
export class Fleet {
  readonly stations: SimulatedStation[] = [];
  private timers: NodeJS.Timeout[] = [];
  sessionsStarted = 0;
  sessionsStopped = 0;

  constructor(private readonly o: FleetOptions) {}

  async run(onProgress?: (r: FleetReport) => void): Promise<FleetReport> {
    for (let n = 1; n <= this.o.count; n++) {
      const identity = this.o.idPattern.replace('{n}', String(n).padStart(4, '0'));
      const sim = new SimulatedStation(defaultStation(identity, this.o.station), {
        url: this.o.url,
        basicAuthKey: this.o.basicAuthKey,
        meterIntervalS: this.o.meterIntervalS,
        reconnect: { initialDelayMs: 1000, maxDelayMs: 30_000 },
      });
      sim.on('error', () => undefined); // a fleet must not stop for one station; failed CALLs are counted in stats
      sim.on('registration', (status) => status === 'Accepted' && this.o.sessionEveryS > 0 && this.scheduleSession(sim));
      this.stations.push(sim);
      void sim.start();
      if (this.o.rampMs > 0) await new Promise((r) => setTimeout(r, this.o.rampMs));
    }
    for (const step of this.o.scenario ?? []) {
      this.timers.push(
        setTimeout(() => {
          for (const sim of this.stations.filter((x) => matches(x, step))) void applyStep(sim, step).catch((err: unknown) => sim.recordError(`scenario ${step.do}`, err));
        }, step.atS * 1000),
      );
    }
    const progress = onProgress ? setInterval(() => onProgress(this.report()), 2000) : undefined;
    await new Promise((r) => setTimeout(r, this.o.durationS * 1000));
    clearInterval(progress);
    for (const t of this.timers) clearTimeout(t);
    const final = this.report(); // before stopping, so `connected` means connected at the end of the run
    await Promise.all(this.stations.map((s) => s.stop()));
    return final;
  }

  private scheduleSession(sim: SimulatedStation): void {
    const delay = -Math.log(1 - Math.random()) * this.o.sessionEveryS * 1000;
    this.timers.push(
      setTimeout(async () => {
        const free = sim.connectors.find((c) => c.id > 0 && !c.transaction && c.status === 'Available');
        if (free && sim.isOpen) {
          const tx = await sim.startSession(free.id, sessionToken(sim.identity, free.id), this.o.evMaxKw * 1000).catch((err: unknown) => sim.recordError('session start', err));
          if (tx !== undefined) {
            this.sessionsStarted += 1;
            this.timers.push(
              setTimeout(() => {
                // The session it started: after a reset or a reconnect the connector may hold another by now.
                void sim.stopSession(free.id, 'EVDisconnected', tx).then(
                  (stopped) => (this.sessionsStopped += stopped ? 1 : 0),
                  (err: unknown) => sim.recordError('session stop', err),
                );
              }, this.o.sessionMinutes * 60_000),
            );
          }
        }
        if (sim.isOpen) this.scheduleSession(sim);
      }, delay),
    );
  }

  /** The tokens the stations start their sessions with, one per connector (unless a scenario step names another). */
  tokens(): string[] {
    return this.stations.flatMap((s) => s.connectors.filter((c) => c.id > 0).map((c) => sessionToken(s.identity, c.id)));
  }

  report(): FleetReport {
    const latency = new Map<string, number[]>();
    for (const s of this.stations) for (const [a, l] of s.latencies) latency.set(a, [...(latency.get(a) ?? []), ...l]);
    const pct = (sorted: number[], p: number) => +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
    return {
      stations: this.stations.length,
      connected: this.stations.filter((s) => s.isOpen).length,
      booted: this.stations.filter((s) => s.registration === 'Accepted').length,
      sessionsStarted: this.sessionsStarted,
      sessionsStopped: this.sessionsStopped,
      authorizationsRefused: this.stations.reduce((n, s) => n + s.stats.refused, 0),
      messages: this.stations.reduce((n, s) => n + s.stats.sent, 0),
      errors: this.stations.reduce((n, s) => n + s.stats.errors, 0),
      errorsByKind: mergeKinds(this.stations.map((s) => s.failures.byKind())),
      latencyMs: Object.fromEntries(
        [...latency.entries()].map(([a, l]) => {
          const sorted = [...l].sort((x, y) => x - y);
          return [a, { count: sorted.length, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99) }];
        }),
      ),
    };
  }
}
