import type { JsonObject } from '@cpo/ocpp-protocol';
import type { CallOutcome, OutboundCallOptions } from './outbound-calls.js';

/** What a caller may set for one CALL (the timeout defaults to the configured one). */
export type CallOptions = Partial<Pick<OutboundCallOptions, 'timeoutMs'>> & Pick<OutboundCallOptions, 'since' | 'coalesceKey' | 'onLateAnswer'>;

/** How strictly a station's inbound payloads are checked against the OCA schemas (guide §1.10). */
export type ValidationPolicy = 'strict' | 'lenient' | 'off';

/** What the session knows about the registration of its station. */
export type RegistrationState = 'Accepted' | 'Pending' | 'Rejected' | 'Unknown';

/**
 * The connection a handler runs for. Handlers stay version-neutral where they can: they see the
 * station, its state and a way to call it, never the socket.
 */
export interface StationContext {
  readonly stationId: string;
  /** The negotiated subprotocol; selects the version bundle. */
  readonly protocol: 'ocpp1.6';
  readonly connectionId: string;
  /** When this connection opened: a MeterValues sampled before it may be a resend from an earlier one (mayBeResent). */
  readonly connectedAt: Date;
  /**
   * When a BootNotification of this connection was first answered Accepted (its receipt); unset
   * before. A Pending station sends no transaction messages, so a resend comes after it (mayBeResent).
   */
  acceptedAt?: Date;
  /** False for a station the `pending` unknown-station policy registered that no operator has accepted or set yet (see knownStation). */
  known: boolean;
  registration: RegistrationState;
  validationPolicy: ValidationPolicy;
  /** Sends a CSMS → charger CALL through the station's queue. */
  call(action: string, payload: JsonObject, options?: CallOptions): Promise<CallOutcome>;
  /**
   * Remembers that we asked for `action` with TriggerMessage, so it passes the registration gate
   * while Pending; `false` forgets it again (the charger refused the trigger). `by`: the trigger's
   * request, so a refusal forgets only what that trigger opened (TriggeredActions).
   */
  expectTriggered(action: string, expected?: boolean, by?: object): void;
}

/** One inbound CALL being handled. */
export interface InboundCall {
  readonly uniqueId: string;
  readonly action: string;
  readonly receivedAt: Date;
  /**
   * How far the charger's clock is off ours (receipt − stamp, ms) as this connection's messages up to
   * this one established it (clock-offset.ts); undefined when not established or within drift.
   */
  readonly clockOffsetMs?: number;
}
