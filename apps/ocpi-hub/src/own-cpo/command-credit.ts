import type { SessionTokenRoute } from '../tokens/token-routes.repository.js';

/**
 * How long after a START_SESSION without a reference its transaction may start: the command's
 * timeout announced to the eMSP (OCPI_OWN_COMMAND_TIMEOUT_S, 60 s, within which the charger answers
 * RemoteStartTransaction), then the time the charger waits for the driver to plug in (its
 * ConnectionTimeOut; ocpp's OCPP_REMOTE_START_TIMEOUT_S defaults to 120 s), and a margin for the
 * charger's clock, which stamps the start. Later, the card started the session itself.
 */
export const COMMAND_START_WINDOW_S = 5 * 60;

/**
 * How far before the command a start may be stamped and still be its: chargers set their clock
 * from BootNotification and Heartbeat answers, so it drifts behind ours by seconds, not minutes.
 */
export const COMMAND_CLOCK_SKEW_S = 2 * 60;

/**
 * How far ahead of its receipt ocpp takes a charger's start stamp as sent (ocpp's AHEAD_TOLERANCE_MS,
 * apps/ocpp/src/time.ts); a stamp further ahead it records at the receipt.
 */
const OCPP_AHEAD_TOLERANCE_MS = 15 * 60_000;

/** The transaction a route is looked up for. */
export interface StartedTransaction {
  transactionId: number;
  startedAt: string;
  reference: string | undefined;
  /** When ocpp recorded the start (its event's `occurredAt`), if known. */
  receivedAt?: string;
}

/**
 * Whether the route's START_SESSION started this transaction: `reference` when the command named
 * the transaction's reference, `window` when it named none (2.1.1) and this is the first
 * transaction of the token started within the command's window (the caller then claims the route
 * for it, so later sessions of the token are not the command's), else undefined (no COMMAND).
 */
export function commandCredit(route: SessionTokenRoute, t: StartedTransaction): 'reference' | 'window' | undefined {
  if (route.authMethod !== 'COMMAND') return undefined;
  if (route.authorizationReference !== null) return route.authorizationReference === t.reference ? 'reference' : undefined;
  // The same transaction again (a redelivered start) is still the command's.
  if (route.commandTransactionId !== null && route.commandTransactionId !== t.transactionId) return undefined;
  const started = startedAtMost(t);
  const commanded = route.at.getTime();
  return started >= commanded - COMMAND_CLOCK_SKEW_S * 1000 && started <= commanded + COMMAND_START_WINDOW_S * 1000 ? 'window' : undefined;
}

/**
 * The start's time for the window: its stamp, but not later than its receipt when ahead of it within
 * ocpp's tolerance, so a charger clock a few minutes fast (taken as sent by ocpp) does not put a start
 * right after the command beyond the window. Not the receipt alone: a start queued offline before the
 * command may arrive after it. A stamp further ahead is not one ocpp took as sent: kept as it is.
 */
function startedAtMost(t: StartedTransaction): number {
  const stamped = Date.parse(t.startedAt);
  const received = t.receivedAt === undefined ? NaN : Date.parse(t.receivedAt);
  return received < stamped && stamped - received <= OCPP_AHEAD_TOLERANCE_MS ? received : stamped;
}
