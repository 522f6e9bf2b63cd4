/**
 * The connection state machine per partner (guide §5), as a pure transition function so every
 * edge is unit-tested. Events not listed for a state leave it unchanged: ELMO's Register reply can
 * overtake the processing of the 204 to our own Register, so late events must never move back.
 */
export const CONNECTION_STATES = ['UNREGISTERED', 'REGISTER_SENT', 'REGISTERED', 'HANDSHAKE_RECEIVED', 'CONNECTED', 'OFFLINE', 'NEEDS_RESYNC', 'NEEDS_TOKEN'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export type ConnectionEvent =
  /** Our Register got 204 (for ELMO: the initial token is now burnt). */
  | 'register_accepted'
  /** Our Register could not be delivered and no valid outbound token is left. */
  | 'register_failed'
  /** No peer Register arrived in time after ours was accepted: the token we used is burnt. */
  | 'register_timeout'
  /** The peer's Register arrived (token exchange). */
  | 'peer_registered'
  /** The peer's Handshake arrived. */
  | 'handshake_received'
  /** Our HandshakeAcknowledge got 204. */
  | 'ack_accepted'
  /** Our HandshakeAcknowledge failed for good. */
  | 'ack_failed'
  /** The peer's `offline_mode_at` passed without a new heartbeat. */
  | 'heartbeat_expired'
  /** The peer rejected us as not connected (403). */
  | 'rejected'
  /** The peer sent DELETE register. */
  | 'unregistered'
  /** An operator configured a new initial token. */
  | 'initial_token_set';

const ANY = '*';
const TRANSITIONS: Record<ConnectionEvent, Partial<Record<ConnectionState | typeof ANY, ConnectionState>>> = {
  register_accepted: { UNREGISTERED: 'REGISTER_SENT', NEEDS_RESYNC: 'REGISTER_SENT', CONNECTED: 'REGISTER_SENT', OFFLINE: 'REGISTER_SENT', NEEDS_TOKEN: 'REGISTER_SENT' },
  register_failed: { UNREGISTERED: 'NEEDS_TOKEN', NEEDS_RESYNC: 'NEEDS_TOKEN' },
  register_timeout: { REGISTER_SENT: 'NEEDS_TOKEN' },
  peer_registered: { [ANY]: 'REGISTERED' },
  handshake_received: { REGISTERED: 'HANDSHAKE_RECEIVED', HANDSHAKE_RECEIVED: 'HANDSHAKE_RECEIVED', CONNECTED: 'HANDSHAKE_RECEIVED', OFFLINE: 'HANDSHAKE_RECEIVED', NEEDS_RESYNC: 'HANDSHAKE_RECEIVED' },
  ack_accepted: { HANDSHAKE_RECEIVED: 'CONNECTED' },
  ack_failed: { HANDSHAKE_RECEIVED: 'NEEDS_RESYNC' },
  heartbeat_expired: { CONNECTED: 'OFFLINE' },
  rejected: { CONNECTED: 'NEEDS_RESYNC', OFFLINE: 'NEEDS_RESYNC' },
  unregistered: { [ANY]: 'UNREGISTERED' },
  initial_token_set: { NEEDS_TOKEN: 'UNREGISTERED', UNREGISTERED: 'UNREGISTERED' },
};

/** The state after `event`, or the same state when the event does not apply to it. */
export function nextState(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  const row = TRANSITIONS[event];
  return row[state] ?? row[ANY] ?? state;
}

/** Whether we may send operational messages (measurements, adjust, compliance) in this state. */
export function isConnected(state: ConnectionState): boolean {
  return state === 'CONNECTED';
}
