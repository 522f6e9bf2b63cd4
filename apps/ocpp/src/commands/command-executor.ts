import { Inject, Injectable } from '@nestjs/common';
import { OcppCommandErrorCode, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { DomainError, ROOT_LOGGER } from '@cpo/platform';
import { isCsAction16, validateRequest16, type CsAction16, type JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { StationContext } from '../connection/station-context.js';

/** Runs before the CALL is sent; may complete the payload (e.g. allocate a reservation id) and must not call the charger. */
export type BeforeCommand = (ctx: StationContext, payload: JsonObject) => Promise<JsonObject>;
/** Runs after the charger answered with a CallResult; records what the answer means for our state. */
export type AfterCommand = (ctx: StationContext, payload: JsonObject, answer: JsonObject) => Promise<void>;

/** Commands a Pending station must not get (spec §4.2.1: only configuration and triggers until Accepted). */
const FORBIDDEN_WHILE_PENDING = new Set<string>(['RemoteStartTransaction', 'RemoteStopTransaction']);

/** Extra codes of this service, beside OcppCommandErrorCode and the OCPP CallError codes. */
export const LocalCommandErrorCode = {
  QueueFull: 'QueueFull',
  Superseded: 'Superseded',
  NotAccepted: 'NotAccepted',
} as const;

/**
 * Executes an operator or bus command on the socket this replica holds: validation, the station's
 * registration state, the feature hooks that keep our state in step with the charger's answer,
 * and one typed reply for every outcome.
 */
@Injectable()
export class CommandExecutor {
  private readonly before = new Map<string, BeforeCommand>();
  private readonly after = new Map<string, AfterCommand[]>();

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  beforeSending(action: CsAction16, hook: BeforeCommand): void {
    if (this.before.has(action)) throw new Error(`a before-hook for ${action} exists already`);
    this.before.set(action, hook);
  }

  afterAnswer(action: CsAction16, hook: AfterCommand): void {
    this.after.set(action, [...(this.after.get(action) ?? []), hook]);
  }

  async execute(ctx: StationContext, request: OcppCommandRequest): Promise<OcppCommandReply> {
    const { action } = request;
    if (!isCsAction16(action)) return invalid(`${action} is not a central-system action of OCPP 1.6`);
    if (ctx.registration === 'Rejected') return error(LocalCommandErrorCode.NotAccepted, 'the station was rejected at boot; it gets no calls');
    if (ctx.registration !== 'Accepted' && FORBIDDEN_WHILE_PENDING.has(action)) {
      return error(LocalCommandErrorCode.NotAccepted, `${action} is not allowed before the station is accepted`);
    }
    let payload = request.payload as JsonObject;
    try {
      const before = this.before.get(action);
      if (before) payload = await before(ctx, payload);
    } catch (e) {
      return this.errorReply(e);
    }
    const checked = validateRequest16(action, payload);
    if (!checked.ok) return { status: 'error', code: OcppCommandErrorCode.InvalidRequest, description: checked.description, details: checked.details };

    const outcome = await ctx.call(action, payload, { timeoutMs: request.timeoutMs });
    if (outcome.kind === 'result') {
      for (const hook of this.after.get(action) ?? []) {
        await hook(ctx, payload, outcome.payload).catch((err: unknown) =>
          this.logger.error({ err, stationId: ctx.stationId, action }, 'could not record the effect of a command answer'),
        );
      }
    }
    return replyOf(outcome, action);
  }

  errorReply(e: unknown): OcppCommandReply {
    if (e instanceof DomainError && e.kind === 'validation') return invalid(e.message, e.details);
    if (e instanceof DomainError && e.kind === 'not_found') return invalid(e.message);
    this.logger.error({ err: e }, 'command failed');
    return error('InternalError', e instanceof Error ? e.message : String(e));
  }
}

export function replyOf(outcome: CallOutcome, action: string): OcppCommandReply {
  switch (outcome.kind) {
    case 'result':
      return { status: 'ok', payload: outcome.payload };
    case 'error':
      return { status: 'error', code: outcome.code, description: outcome.description.slice(0, 1024), details: outcome.details };
    case 'timeout':
      return error(OcppCommandErrorCode.Timeout, `the charger did not answer ${action} in time`);
    case 'disconnected':
      return error(OcppCommandErrorCode.Offline, 'the station disconnected before answering');
    case 'queue-full':
      return error(LocalCommandErrorCode.QueueFull, 'too many commands are queued for this station');
    case 'superseded':
      return error(LocalCommandErrorCode.Superseded, 'a newer command replaced this one before it was sent');
  }
}

function invalid(description: string, details?: unknown): OcppCommandReply {
  return { status: 'error', code: OcppCommandErrorCode.InvalidRequest, description: description.slice(0, 1024), details };
}

function error(code: string, description: string): OcppCommandReply {
  return { status: 'error', code, description };
}
