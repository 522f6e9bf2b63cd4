import { MessageType, type CallErrorFrame, type CallResultFrame, type MessageTypeId } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import type { OutboundCalls } from './outbound-calls.js';
import type { ProtocolBundle } from './protocol-bundle.js';
import type { StationContext } from './station-context.js';

/**
 * A charger's CALLRESULT or CALLERROR: settles the call it answers (the one in flight, or one timed
 * out that still takes its late answer), the result checked against the action's schema first. An
 * answer to no such call is dropped (logged).
 */
export function settleAnswer(calls: OutboundCalls, bundle: ProtocolBundle, ctx: StationContext, frame: CallResultFrame | CallErrorFrame, logger: Logger): void {
  const action = calls.actionOf(frame.uniqueId);
  if (action === undefined) {
    logger.info({ stationId: ctx.stationId, uniqueId: frame.uniqueId }, 'answer to no pending call (late after a timeout?) dropped');
    return;
  }
  if (frame.type === MessageType.CallError) {
    calls.settle(frame.uniqueId, { kind: 'error', code: bundle.normalizeErrorCode(frame.code), description: frame.description, details: frame.details });
    return;
  }
  calls.settle(frame.uniqueId, bundle.checkAnswer(ctx, action, frame.payload));
}

/**
 * A malformed CALLRESULT/CALLERROR naming a call of ours (e.g. `[4,id,"","x",{}]` without a code,
 * or nested too deep): never answered, but still the charger's answer, so the call ends now, not at
 * its timeout (which would report a charger that answered as one that did not). A broken CALLRESULT
 * may still mean it acted (a new key taken, a reservation made): `mayHaveActed`.
 */
export function settleMalformedAnswer(calls: OutboundCalls, uniqueId: string, messageType: MessageTypeId | undefined, description: string): void {
  const mayHaveActed = messageType === MessageType.CallError ? {} : { mayHaveActed: true as const };
  calls.settle(uniqueId, { kind: 'error', code: 'FormationViolation', description, details: {}, ...mayHaveActed });
}
