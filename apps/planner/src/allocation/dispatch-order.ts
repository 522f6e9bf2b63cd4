/**
 * Orders the difference between the target allocation and what the chargers acknowledged:
 * all decreases first (in parallel across stations), then the increases. Sending an increase
 * before the matching decrease is acknowledged could put the group over its limit for the
 * seconds in between (SAP ev-server sorts by ascending limit for the same reason).
 */

/** A limit for one profile: `connectorId` 0 is the charger's `ChargePointMaxProfile`. */
export interface DispatchLimit {
  readonly stationId: string;
  readonly connectorId: number;
  readonly unit: 'A' | 'W';
  readonly limit: number;
}

/** One profile to send. */
export interface DispatchChange {
  readonly stationId: string;
  readonly connectorId: number;
  readonly unit: 'A' | 'W';
  /** The acknowledged limit; absent when unknown. */
  readonly from?: number;
  readonly to: number;
}

/** Profiles to send, grouped per station in send order (OCPP-J allows one open CALL per charger). */
export interface DispatchPlan {
  /** Phase 1: every decrease, including targets with no (or a differently-united) acknowledged value. */
  readonly decreases: readonly (readonly DispatchChange[])[];
  /** Phase 2, only after every decrease is accepted. */
  readonly increases: readonly (readonly DispatchChange[])[];
  /** Increases below the deadband, not sent. */
  readonly skipped: readonly DispatchChange[];
}

/** Deadband for increases (planner guide §3.3). */
export interface DeadbandOptions {
  /** Absolute deadband in A (default 0.5). */
  readonly deadbandA?: number;
  /** Absolute deadband in W (default 300). */
  readonly deadbandW?: number;
  /** Relative deadband (default 3 %); the larger of the two applies. */
  readonly deadbandFraction?: number;
}

const keyOf = (l: { stationId: string; connectorId: number }): string => `${l.stationId}\u0000${l.connectorId}`;

/**
 * Splits `target` against `acknowledged`. Decreases are never deadbanded: a skipped decrease could
 * leave the acknowledged sum above the limit. An unknown acknowledged value counts as a decrease,
 * because the charger may be drawing anything. Within a station the Max profile (connector 0) goes
 * first when decreasing and last when increasing, so the charger's total never exceeds its share.
 */
export function planDispatch(target: readonly DispatchLimit[], acknowledged: readonly DispatchLimit[], options: DeadbandOptions = {}): DispatchPlan {
  const acked = new Map(acknowledged.map((l) => [keyOf(l), l]));
  const decreases = new Map<string, DispatchChange[]>();
  const increases = new Map<string, DispatchChange[]>();
  const skipped: DispatchChange[] = [];
  const fraction = options.deadbandFraction ?? 0.03;
  for (const t of target) {
    const a = acked.get(keyOf(t));
    const from = a !== undefined && a.unit === t.unit ? a.limit : undefined;
    if (from === t.limit) continue;
    const change: DispatchChange = { stationId: t.stationId, connectorId: t.connectorId, unit: t.unit, from, to: t.limit };
    if (from === undefined || t.limit < from) {
      push(decreases, change);
      continue;
    }
    const band = Math.max(t.unit === 'A' ? (options.deadbandA ?? 0.5) : (options.deadbandW ?? 300), fraction * from);
    if (t.limit - from < band) skipped.push(change);
    else push(increases, change);
  }
  return {
    decreases: ordered(decreases, (a, b) => a.connectorId - b.connectorId),
    increases: ordered(increases, (a, b) => (a.connectorId === 0 ? 1 : b.connectorId === 0 ? -1 : a.connectorId - b.connectorId)),
    skipped: skipped.sort((a, b) => compareStation(a, b) || a.connectorId - b.connectorId),
  };
}

function push(map: Map<string, DispatchChange[]>, change: DispatchChange): void {
  const list = map.get(change.stationId) ?? [];
  list.push(change);
  map.set(change.stationId, list);
}

const compareStation = (a: { stationId: string }, b: { stationId: string }): number => (a.stationId < b.stationId ? -1 : a.stationId > b.stationId ? 1 : 0);

function ordered(map: Map<string, DispatchChange[]>, within: (a: DispatchChange, b: DispatchChange) => number): DispatchChange[][] {
  return [...map.values()].map((list) => [...list].sort(within)).sort((a, b) => compareStation(a[0], b[0]));
}
