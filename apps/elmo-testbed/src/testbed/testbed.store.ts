import { newToken, systemClock, type Clock, type EnergyMeasurement } from '@cpo/oscp-protocol';
import type { Negotiation } from './negotiation.js';

/** One HTTP exchange, in either direction, for `GET /_sim/log`. */
export interface Exchange {
  at: string;
  direction: 'in' | 'out';
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status?: number;
  error?: string;
}

/** A clock the simulator's operator can pin (`POST /_sim/clock`). */
export class SimClock implements Clock {
  private fixedMs?: number;
  now(): Date {
    return this.fixedMs === undefined ? systemClock.now() : new Date(this.fixedMs);
  }
  set(at: string | null): void {
    this.fixedMs = at === null ? undefined : Date.parse(at);
  }
}

/** Faults for the next N calls the FP makes to us: answer with a status, or stall. */
export interface Fault {
  /** Only calls to this action; all actions when absent. */
  action?: string;
  status?: number;
  delayMs?: number;
  remaining: number;
}

/**
 * Everything the testbed knows, in memory: the FP's registration, the token it must present,
 * the connection flag, negotiations, and what it received. One FP at a time, like the public
 * testbed's single CSMS record.
 */
export class TestbedStore {
  readonly clock = new SimClock();
  /** The token the FP must present when calling us. */
  acceptedToken: string;
  /** The FP's token and base URL from its Register. */
  fpToken: string | null = null;
  fpBaseUrl: string | null = null;
  connected = false;
  readonly groups = new Set<string>();
  readonly negotiations = new Map<string, Negotiation>();
  readonly log: Exchange[] = [];
  readonly acks: { requestId: string; correlationId: string; body: unknown; at: string }[] = [];
  readonly adjusts: { requestId: string; groupId: string; day: string; hourlyKw: number[]; body: unknown; at: string }[] = [];
  readonly complianceErrors: { requestId: string; correlationId: string; body: unknown; at: string }[] = [];
  /** Emergencies delivered (204) per group, for the compliance view. */
  readonly emergencies: { groupId: string; startMs: number; endMs: number; kw: number }[] = [];
  readonly measurements = new Map<string, (EnergyMeasurement & { requestId: string; receivedAt: string })[]>();
  fault?: Fault;

  constructor(
    private readonly initialToken: string,
    initialGroups: string[],
  ) {
    this.acceptedToken = initialToken;
    for (const g of initialGroups) this.groups.add(g);
  }

  negotiationKey(groupId: string, day: string): string {
    return `${groupId}|${day}`;
  }

  /** ELMO mode: after accepting a Register, the token the FP used is replaced by a fresh one. */
  rotateToken(): string {
    this.acceptedToken = newToken().replace(/[-_]/g, 'x');
    return this.acceptedToken;
  }

  record(e: Omit<Exchange, 'at'>): void {
    this.log.push({ at: this.clock.now().toISOString(), ...e });
    if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
  }

  reset(): void {
    this.acceptedToken = this.initialToken;
    this.fpToken = this.fpBaseUrl = null;
    this.connected = false;
    this.negotiations.clear();
    this.log.length = this.acks.length = this.adjusts.length = this.complianceErrors.length = 0;
    this.measurements.clear();
    this.emergencies.length = 0;
    this.fault = undefined;
    this.clock.set(null);
  }
}
