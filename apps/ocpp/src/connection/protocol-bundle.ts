import type { JsonObject } from '@cpo/ocpp-protocol';
import type { CallOutcome } from './outbound-calls.js';
import type { InboundCall, StationContext } from './station-context.js';

/** The subprotocols this central system can speak, in the order it prefers them. */
export type Subprotocol = 'ocpp1.6';

export type DispatchResult =
  | { ok: true; payload: JsonObject; after?: () => Promise<void> }
  | { ok: false; code: string; description: string; details: JsonObject };

/**
 * Everything version-specific about a connection: its schemas, actions, error codes and handlers.
 * Framing, sessions, queues, presence and routing are version-neutral; OCPP 2.0.1 joins the same
 * endpoint by adding a bundle for `ocpp2.0.1` to the gateway's list.
 */
export interface ProtocolBundle {
  readonly subprotocol: Subprotocol;
  /** Handles one inbound CALL (rules, validation, feature handler) and builds the answer. */
  dispatch(ctx: StationContext, call: InboundCall, payload: JsonObject, triggered: boolean): Promise<DispatchResult>;
  /**
   * Checks one of our CALLs before it is queued: outbound messages are always strict (guide §1.10),
   * whatever the station's policy. The `error` outcome to answer instead of sending it, or undefined.
   */
  checkCall(action: string, payload: JsonObject): CallOutcome | undefined;
  /** Checks a charger's CALLRESULT to one of our CALLs under the station's validation policy. */
  checkAnswer(ctx: StationContext, action: string, payload: JsonObject): CallOutcome;
  /** Whether `action` is a charger-initiated action of this version (only these become metric labels). */
  knowsAction(action: string): boolean;
  /** The error code for "the central system failed" in this version. */
  readonly internalErrorCode: string;
  /** A charger's CALLERROR code as this version spells it (known alternative spellings mapped, anything else → the generic code). */
  normalizeErrorCode(code: string): string;
}
