import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ROOT_LOGGER } from '@cpo/platform';
import {
  isAction16,
  isCpAction16,
  isCsAction16,
  normalizeCallErrorCode16,
  validateRequest16,
  validateResponse16,
  type CallErrorCode16,
  type Conf16,
  type CpAction16,
  type JsonObject,
  type Req16,
} from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { coreFieldProblem, withoutNullOptionals } from './core-fields.js';
import { tolerate16 } from './payload-tolerance.js';
import type { CallOutcome } from './outbound-calls.js';
import type { DispatchResult, ProtocolBundle } from './protocol-bundle.js';
import type { InboundCall, StationContext } from './station-context.js';

export type Handler16<A extends CpAction16> = (req: Req16<A>, ctx: StationContext, call: InboundCall) => Promise<Conf16<A>>;
/** Runs after the CALLRESULT is on the wire (e.g. onboarding after a boot). Errors are logged, never sent. */
export type After16<A extends CpAction16> = (req: Req16<A>, conf: Conf16<A>, ctx: StationContext) => Promise<void>;


/**
 * Transaction messages are queued by chargers and discarded after a few failed attempts (spec
 * §3.7.1): a CallError loses billing data, so they are processed whenever their core fields parse.
 */
const TRANSACTION_ACTIONS = new Set<string>(['StartTransaction', 'StopTransaction', 'MeterValues']);
/** Messages a charger may send before it is Accepted, or when we triggered them while Pending. */
const TRIGGERABLE = new Set<string>([
  'BootNotification',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StatusNotification',
  // ExtendedTriggerMessage (security extension)
  'LogStatusNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
]);

interface Registration {
  handler: Handler16<CpAction16>;
  after?: After16<CpAction16>;
}

/**
 * The OCPP 1.6 rules every inbound CALL passes before a feature handler sees it: known action
 * (NotImplemented), served action (NotSupported), registration gate (SecurityError), schema
 * validation per the station's policy, and a strictly valid answer.
 */
@Injectable()
export class Ocpp16Dispatcher implements ProtocolBundle {
  readonly subprotocol = 'ocpp1.6' as const;
  readonly internalErrorCode = 'InternalError';

  knowsAction(action: string): boolean {
    return isCpAction16(action);
  }
  private readonly handlers = new Map<string, Registration>();

  constructor(
    private readonly metrics: OcppMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  handle<A extends CpAction16>(action: A, handler: Handler16<A>, after?: After16<A>): void {
    if (this.handlers.has(action)) throw new Error(`OCPP 1.6 handler for ${action} registered twice`);
    this.handlers.set(action, { handler: handler as unknown as Handler16<CpAction16>, after: after as unknown as After16<CpAction16> | undefined });
  }

  async dispatch(ctx: StationContext, call: InboundCall, payload: JsonObject, triggered: boolean): Promise<DispatchResult> {
    const { action } = call;
    if (!isAction16(action)) return fail('NotImplemented', `${action} is not an OCPP 1.6 action`);
    const registration = this.handlers.get(action);
    if (!isCpAction16(action) || !registration) return fail('NotSupported', `${action} is not served by this central system`);

    const transactional = TRANSACTION_ACTIONS.has(action);
    if (action !== 'BootNotification' && ctx.registration !== 'Accepted') {
      // A trigger sent while Pending stays open for a while; a boot answered Rejected since closes it (we send nothing then, so it asked for nothing).
      const allowed = (transactional && ctx.known) || (triggered && ctx.registration !== 'Rejected' && TRIGGERABLE.has(action));
      if (!allowed) return fail('SecurityError', `${action} before the station was accepted (BootNotification first)`);
    }

    // Under every policy (guide §1.10): a zoneless timestamp is UTC, and a status in odd case is its
    // canonical status. A charger does not retry a StatusNotification: refused, the connector shows
    // the wrong status until its next change, unseen by the operator, whereas the reading is not in
    // doubt. Other requests keep their text as sent (a stop reason is stored as the charger wrote it).
    const tolerance = { zones: true, enums: action === 'StatusNotification' };
    let body: JsonObject;
    if (ctx.validationPolicy === 'off') {
      // A schema-valid payload holds no null; one processed below the schema may (see withoutNullOptionals).
      body = withoutNullOptionals(action, tolerate16('request', action, payload, tolerance).payload);
    } else {
      let sent = payload;
      let checked = validateRequest16(action, payload);
      if (!checked.ok) {
        // Only a payload that breaks the schema is walked: the valid ones, nearly all, cost nothing more.
        const tolerated = tolerate16('request', action, payload, tolerance);
        sent = tolerated.payload;
        // Still invalid, it is refused (or processed) for what the charger sent: the same first error and code.
        if (tolerated.adjusted.length && validateRequest16(action, sent).ok) {
          checked = { ok: true };
          this.softViolation(ctx, action, 'inbound', tolerated.adjusted);
        }
      }
      body = sent;
      if (!checked.ok) {
        const lenient = ctx.validationPolicy === 'lenient' || transactional;
        if (lenient) body = withoutNullOptionals(action, sent);
        const core = lenient ? coreFieldProblem(action, body) : undefined;
        const processed = lenient && core === undefined;
        this.metrics.schemaViolations.inc({ action, direction: 'inbound', handled: processed ? 'processed' : 'rejected' });
        if (!processed) return { ok: false, code: checked.code, description: core ?? checked.description, details: checked.details as unknown as JsonObject };
        this.logger.warn({ stationId: ctx.stationId, action, violation: checked.description }, 'schema violation processed leniently');
      }
    }
    // Beyond the schema: ranges the database and int32 firmware hold (e.g. a connectorId of 2^31).
    const outOfRange = coreFieldProblem(action, body);
    if (outOfRange !== undefined) return fail(ctx.validationPolicy === 'off' ? 'FormationViolation' : 'PropertyConstraintViolation', outOfRange);

    let conf: Conf16<CpAction16>;
    try {
      conf = await registration.handler(body as Req16<CpAction16>, ctx, call);
    } catch (err) {
      return this.failure(ctx, action, err);
    }
    const answer = validateResponse16(action, conf);
    if (!answer.ok) {
      // Our own answer is wrong: a bug, never something to send to a charger.
      this.logger.error({ stationId: ctx.stationId, action, violation: answer.description }, 'handler produced an invalid answer');
      return fail('InternalError', 'the central system could not build a valid answer');
    }
    const after = registration.after;
    return {
      ok: true,
      payload: conf as unknown as JsonObject,
      after: after ? () => after(body as Req16<CpAction16>, conf, ctx) : undefined,
    };
  }

  checkCall(action: string, payload: JsonObject): CallOutcome | undefined {
    // The operator and bus commands are checked before this (command-executor); smart charging and
    // the security handlers call the session directly, and a charger must never get a CALL it may
    // refuse as malformed, or act on one it reads differently (our bug, not the charger's).
    if (!isCsAction16(action)) return { kind: 'error', code: 'NotSupported', description: `not sent: ${action} is not a central system → charge point action`, details: {} };
    const checked = validateRequest16(action, payload);
    if (checked.ok) return undefined;
    this.metrics.schemaViolations.inc({ action, direction: 'outbound', handled: 'rejected' });
    this.logger.error({ action, violation: checked.description }, 'an outbound CALL breaks its schema; not sent');
    return { kind: 'error', code: checked.code, description: `not sent, the payload is invalid: ${checked.description}`, details: checked.details as unknown as JsonObject };
  }

  /**
   * A charger's CALLRESULT as its consumers may read it. A zoneless timestamp is UTC under every
   * policy; under lenient and off, enum values are also given their canonical case before anyone
   * compares them (`"accepted"` is `Accepted`), recorded as a soft violation under lenient. Under
   * strict a case variant stays a CallError: the charger broke the contract the operator chose.
   */
  checkAnswer(ctx: StationContext, action: string, payload: JsonObject): CallOutcome {
    const lenient = ctx.validationPolicy !== 'strict';
    const tolerance = { zones: true, enums: lenient };
    if (ctx.validationPolicy === 'off') return { kind: 'result', payload: tolerate16('response', action, payload, tolerance).payload };
    const checked = validateResponse16(action, payload);
    if (checked.ok) return { kind: 'result', payload };
    const tolerated = tolerate16('response', action, payload, tolerance);
    if (tolerated.adjusted.length && validateResponse16(action, tolerated.payload).ok) {
      this.softViolation(ctx, action, 'answer', tolerated.adjusted);
      return { kind: 'result', payload: tolerated.payload };
    }
    this.metrics.schemaViolations.inc({ action, direction: 'answer', handled: lenient ? 'processed' : 'rejected' });
    if (lenient) return { kind: 'result', payload: tolerated.payload };
    return { kind: 'error', code: checked.code, description: `the charger's answer is invalid: ${checked.description}`, details: checked.details as unknown as JsonObject, mayHaveActed: true };
  }

  /** A payload valid only once tolerated: processed, and counted and logged as the lenient path does. */
  private softViolation(ctx: StationContext, action: string, direction: 'inbound' | 'answer', adjusted: string[]): void {
    this.metrics.schemaViolations.inc({ action, direction, handled: 'processed' });
    this.logger.warn({ stationId: ctx.stationId, action, adjusted }, 'schema violation processed leniently');
  }

  normalizeErrorCode(code: string): string {
    return normalizeCallErrorCode16(code);
  }

  private failure(ctx: StationContext, action: string, err: unknown): DispatchResult {
    if (err instanceof DomainError && err.kind === 'validation') {
      return fail('PropertyConstraintViolation', err.message);
    }
    // A peer the handler depends on (a plug-in, a partner) failed; the feature has logged why.
    if (err instanceof DomainError && (err.kind === 'timeout' || err.kind === 'unavailable')) {
      return fail('InternalError', err.message);
    }
    this.logger.error({ err, stationId: ctx.stationId, action }, 'OCPP handler failed');
    return fail('InternalError', 'the central system failed to process the message');
  }
}

function fail(code: CallErrorCode16, description: string): DispatchResult {
  return { ok: false, code, description, details: {} };
}
