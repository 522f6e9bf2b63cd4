/** A reservation the charger may hold (answered Accepted, or TimedOut: possibly held), as a StartTransaction's tag is matched with it. */
export interface HeldReservation {
  reservationId: number;
  /** 0 = any connector of the station. */
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  expiryDate: Date;
  /** When the ReserveNow was requested: the charger held nothing from it before then. */
  createdAt: Date;
}

/** The StartTransaction as the match reads it; `parentIdTag` from the idTagInfo the start is answered with, when the tag has one. */
export interface StartOfTag {
  connectorId: number;
  idTag: string;
  parentIdTag?: string;
  startedAt: Date;
}

/**
 * How far a charger's clock may run behind ours for its start to still be one the reservation was
 * held at (the same allowance as a remote start's: chargers take their time from our answers).
 */
export const RESERVATION_CLOCK_SKEW_MS = 600_000;

/** IdToken is a CiString: one card whatever case a reader reports it in. */
function sameToken(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Whether the start could have ended the reservation on the charger (OCPP 1.6 §5.13: "when a
 * transaction is started for the reserved idTag or parent idTag and on the reserved connector or
 * any connector when the reserved connectorId is 0"). The parent matches the reservation's
 * parentIdTag, not its idTag. A start stamped at or after the expiry came after the reservation
 * ended; one stamped (beyond clock skew) before it was requested, queued offline, came before the
 * charger held it.
 */
export function startEnds(r: HeldReservation, start: StartOfTag): boolean {
  if (start.idTag === '') return false;
  if (r.connectorId !== 0 && r.connectorId !== start.connectorId) return false;
  const at = start.startedAt.getTime();
  if (r.expiryDate.getTime() <= at || r.createdAt.getTime() > at + RESERVATION_CLOCK_SKEW_MS) return false;
  if (sameToken(r.idTag, start.idTag)) return true;
  return r.parentIdTag !== null && start.parentIdTag !== undefined && sameToken(r.parentIdTag, start.parentIdTag);
}

/**
 * The reservation a start that named none (or none held) ended: among those it could have ended,
 * the one on its own connector before a station-wide (connector 0) one, then the earliest requested.
 */
export function reservationEndedBy<R extends HeldReservation>(held: readonly R[], start: StartOfTag): R | undefined {
  const exact = (r: R) => (r.connectorId === start.connectorId ? 0 : 1);
  return held
    .filter((r) => startEnds(r, start))
    .sort((a, b) => exact(a) - exact(b) || a.createdAt.getTime() - b.createdAt.getTime() || a.reservationId - b.reservationId)[0];
}
