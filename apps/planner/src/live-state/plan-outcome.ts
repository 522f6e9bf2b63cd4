/**
 * Which answer of a connector decides whether a plan failed. The ocpp service may answer one
 * connector of a plan more than once: `applied` after a `Timeout` failure (the charger accepted the
 * profile after the service stopped waiting), `applied` after an `Offline` failure (a reconnect
 * re-sent the plan), a check's `NotObeyed` after an `applied`. The charger holds what it answered
 * last, so each connector counts by its latest answer, by the events' times: a relay's backlog may
 * deliver an older failure after a newer `applied`.
 *
 * `offline`: the ocpp service found no socket, so that send never reached the charger and says
 * nothing of what it holds: it never supersedes an answer of the charger (applied or refused),
 * whatever its time, and is kept only while the connector has no other answer.
 */
export type OutcomeKind = 'applied' | 'failed' | 'offline';

/** A connector's latest outcome of a plan (`station_plans.outcomes`, by connector id). */
export interface ConnectorOutcome {
  readonly kind: OutcomeKind;
  /** The event's time (ISO 8601), not its arrival. */
  readonly at: string;
}

export type PlanOutcomes = Readonly<Record<string, ConnectorOutcome>>;

/** How the plan's `failed` / `offline_failed` counters change, and the connector's new outcome (undefined: the stored one stays). */
export interface OutcomeChange {
  readonly outcome?: ConnectorOutcome;
  readonly failed: number;
  readonly offlineFailed: number;
}

const isFailure = (o: ConnectorOutcome | undefined): number => (o !== undefined && o.kind !== 'applied' ? 1 : 0);
const isOffline = (o: ConnectorOutcome | undefined): number => (o?.kind === 'offline' ? 1 : 0);

/** Whether `next` replaces `prev` as the connector's latest outcome; at the same instant the later delivered wins. */
export function supersedes(prev: ConnectorOutcome | undefined, next: ConnectorOutcome): boolean {
  if (prev === undefined) return true;
  if (next.kind === 'offline') return false;
  return prev.kind === 'offline' || Date.parse(prev.at) <= Date.parse(next.at);
}

/**
 * The change one answer makes to a plan: `failed` counts the connectors whose latest outcome is a
 * failure, `offline_failed` those whose latest is `offline`. Applied as deltas, so failures counted
 * before outcomes were kept per connector (no entry) stay counted.
 */
export function outcomeChange(outcomes: PlanOutcomes, connectorId: number, next: ConnectorOutcome): OutcomeChange {
  const prev = outcomes[String(connectorId)];
  if (!supersedes(prev, next)) return { failed: 0, offlineFailed: 0 };
  return { outcome: next, failed: isFailure(next) - isFailure(prev), offlineFailed: isOffline(next) - isOffline(prev) };
}
