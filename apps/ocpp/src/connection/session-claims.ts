import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/**
 * Core NATS subject (ocpp replicas only): a replica announces that it now holds a station's
 * socket, so any other replica still holding an older socket for it closes that one.
 */
export const OCPP_SESSION_CLAIMED_SUBJECT = 'ocpp.session.claimed';

/** What a replica announces on {@link OCPP_SESSION_CLAIMED_SUBJECT}. */
export interface SessionClaim {
  stationId: string;
  connectionId: string;
  replicaId: string;
  /**
   * The connection's place among the station's connections, given by Redis when its presence was
   * written (see CLAIM_PRESENCE): the greater, the newer. Absent from a replica of an older version.
   */
  claim?: number;
}

/**
 * Whether `claim` names a newer connection than `than`. Both replicas of a simultaneous pair
 * compare the same two claims, so they agree on the one that stays: the greater claim, the
 * connection id deciding a tie (a record gone between two claims in the same millisecond). A
 * claim without order (an older replica's) is newer, as every claim was before.
 */
export function isNewerClaim(claim: Pick<SessionClaim, 'claim' | 'connectionId'>, than: Pick<SessionClaim, 'claim' | 'connectionId'>): boolean {
  if (claim.claim === undefined || than.claim === undefined) return true;
  if (claim.claim !== than.claim) return claim.claim > than.claim;
  return claim.connectionId > than.connectionId;
}

export function parseClaim(data: Uint8Array): SessionClaim {
  const claim = JSON.parse(new TextDecoder().decode(data)) as SessionClaim;
  if (typeof claim.stationId !== 'string' || typeof claim.connectionId !== 'string' || typeof claim.replicaId !== 'string') throw new Error('not a session claim');
  if (claim.claim !== undefined && typeof claim.claim !== 'number') throw new Error('not a session claim');
  return claim;
}

/** The claims of every replica (our own included), each passed to `onClaim`; an unreadable one is logged and skipped. */
export function subscribeClaims(nc: NatsConnection, subject: string, logger: Logger, onClaim: (claim: SessionClaim) => void): Subscription {
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return logger.error({ err }, 'session claim subscription failed');
      let claim: SessionClaim;
      try {
        claim = parseClaim(msg.data);
      } catch (e) {
        return logger.warn({ err: e }, 'unreadable session claim ignored');
      }
      onClaim(claim);
    },
  });
}
