import { Inject, Injectable } from '@nestjs/common';
import type { OcppCommandReply, OcppCommandRequest } from '@cpo/contracts';
import { ReplyNotSentError } from '@cpo/messaging';
import { DomainError, KeyedTurns, ROOT_LOGGER } from '@cpo/platform';
import { isCsAction16, validateRequest16, type CsAction16, type JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { StationContext } from '../connection/station-context.js';
import { error, invalid, LocalCommandErrorCode, mayHaveReachedCharger, refusalOf, replyOf, type CallFailure } from './command-replies.js';
import { commandRuleViolations } from './command-rules.js';
import { limitsMayApply, stationLimitViolations, type StationLimits } from './station-limits.js';

/**
 * Fills in what the caller may leave out (e.g. our reservation id) before the payload is
 * validated. Records nothing: the request may still be refused.
 */
export type CompleteCommand = (ctx: StationContext, payload: JsonObject) => Promise<JsonObject>;
/**
 * Runs once the payload passed every check, just before the CALL is queued: records what must
 * exist before the charger can act on it. Must not call the charger; a throw refuses the command
 * (its result is ignored: the payload is not changed after validation).
 */
export type BeforeCommand = (ctx: StationContext, payload: JsonObject) => Promise<unknown>;
/**
 * How an outcome reached a hook: `late`, the charger's answer after the timeout its caller was told,
 * whose failure hooks ran for that timeout already (as "may have acted").
 */
export interface HookTiming {
  late?: true;
}
/** Runs after the charger answered with a CallResult; records what the answer means for our state. */
export type AfterCommand = (ctx: StationContext, payload: JsonObject, answer: JsonObject, timing?: HookTiming) => Promise<void>;
/** The limits a station reported (its stored configuration, on any replica), or undefined when none are known. */
export type StationLimitsOf = (stationId: string) => Promise<StationLimits | undefined>;
/**
 * Runs when a CALL whose before-hook ran got no CallResult (CallError, timeout, offline, never sent);
 * registered `late`, also for a CallError answering it after its timeout (`timing.late`).
 */
export type FailedCommand = (ctx: StationContext, payload: JsonObject, failure: CallFailure, timing?: HookTiming) => Promise<void>;

export { LocalCommandErrorCode, mayHaveReachedCharger, replyOf, type CallFailure } from './command-replies.js';

/**
 * Fields a completing hook may fill in, with a valid stand-in for checking a payload before it
 * travels: ReserveNow's reservationId, allocated by us when the operator gives none.
 */
const FILLED_IN_WHERE_RUN: Readonly<Partial<Record<string, JsonObject>>> = { ReserveNow: { reservationId: 1 } };

/**
 * Answers whose effects are not applied late. The local list's: a timed-out update leaves the list
 * uncertain until the charger reports its version under a claim (LocalListAsks), and a late
 * `applied`/answer recorded outside that claim could race the repair that is already settling it.
 */
const NOT_APPLIED_LATE = new Set<string>(['SendLocalList', 'GetLocalListVersion']);

/** What the caller of a command that failed on our side is told: the failure's own text stays in the log. */
export const COMMAND_FAILED = 'the central system failed to handle the command (the details are in its log)';

/** Commands a Pending station must not get (spec §4.2.1: only configuration and triggers until Accepted). */
const FORBIDDEN_WHILE_PENDING = new Set<string>(['RemoteStartTransaction', 'RemoteStopTransaction']);

/**
 * Executes an operator or bus command on the socket this replica holds: validation, the station's
 * registration state, the feature hooks that keep our state in step with the charger's answer,
 * and one typed reply for every outcome.
 */
@Injectable()
export class CommandExecutor {
  private readonly complete = new Map<string, CompleteCommand>();
  private readonly before = new Map<string, BeforeCommand>();
  /**
   * Per station, the tail of the commands whose before-hook is recording: each records and is
   * queued in turn. Hooks record state the answer then settles against (a ReserveNow replacing a
   * reservation, a pending AuthorizationKey); run side by side, a slower hook let a later command
   * reach the charger first, and the answers settled the wrong request (two replacements of one
   * reservation: ours said the old one was held, the charger held the first replacement).
   */
  private readonly recording = new KeyedTurns();
  /** Per station, the tail of the command outcomes whose effects are being recorded (see execute). */
  private readonly settling = new KeyedTurns();
  private readonly after = new Map<string, AfterCommand[]>();
  private readonly failed = new Map<string, FailedCommand[]>();
  /** The failure hooks that also take a CallError arriving after the call timed out (see afterFailure). */
  private readonly failedLate = new Map<string, FailedCommand[]>();
  private limitsOf: StationLimitsOf | undefined;

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  completing(action: CsAction16, hook: CompleteCommand): void {
    if (this.complete.has(action)) throw new Error(`a completing hook for ${action} exists already`);
    this.complete.set(action, hook);
  }

  beforeSending(action: CsAction16, hook: BeforeCommand): void {
    if (this.before.has(action)) throw new Error(`a before-hook for ${action} exists already`);
    this.before.set(action, hook);
  }

  afterAnswer(action: CsAction16, hook: AfterCommand): void {
    this.after.set(action, [...(this.after.get(action) ?? []), hook]);
  }

  /**
   * `late`: the hook runs again for a CallError answering the call after its timeout (the charger
   * did not act after all), with `timing.late`. Only for a hook whose CallError effects may follow
   * its timeout's without acting twice (a row left `TimedOut` settled `Failed`).
   */
  afterFailure(action: CsAction16, hook: FailedCommand, options: { late?: boolean } = {}): void {
    this.failed.set(action, [...(this.failed.get(action) ?? []), hook]);
    if (options.late) this.failedLate.set(action, [...(this.failedLate.get(action) ?? []), hook]);
  }

  /** Where the station limits come from (StationLimitChecks: the stored configuration, not reachable from this module). */
  limitedBy(lookup: StationLimitsOf): void {
    this.limitsOf = lookup;
  }

  /**
   * Why the command asks more than the station reported it takes, if it does. Asked where the
   * command runs and, for a station this replica does not hold, before it travels (the limits are
   * stored, so an offline station gets the 400 too). Limits not known, or not readable now, let the
   * command go: the charger enforces its own limits, and an unrelated database hiccup must not stop it.
   */
  async stationRefusal(stationId: string, action: string, payload: JsonObject): Promise<OcppCommandReply | undefined> {
    if (!this.limitsOf || !limitsMayApply(action, payload)) return undefined;
    let limits: StationLimits | undefined;
    try {
      limits = await this.limitsOf(stationId);
    } catch (err) {
      this.logger.warn({ err, stationId, action }, 'station limits not readable; command not checked against them');
      return undefined;
    }
    return limits ? refusalOf(stationLimitViolations(action, payload, limits)) : undefined;
  }

  async execute(ctx: StationContext, request: OcppCommandRequest): Promise<OcppCommandReply> {
    // The timeout counts from here: a replica forwarding the command waits only that long (plus a
    // margin for the bus), so slow hooks must not push the CALL past the moment it gave up.
    const receivedAt = Date.now();
    const { action } = request;
    if (!isCsAction16(action)) return invalid(`${action} is not a central-system action of OCPP 1.6`);
    const refused = registrationRefusal(ctx, action);
    if (refused) return refused;
    let payload = request.payload as JsonObject;
    try {
      const complete = this.complete.get(action);
      if (complete) payload = await complete(ctx, payload);
    } catch (e) {
      return this.errorReply(e, { stationId: ctx.stationId, action });
    }
    // Every check comes before the before-hook: a refused command must leave no trace in our state.
    const refusal = payloadRefusal(action, payload) ?? (await this.stationRefusal(ctx.stationId, action, payload));
    if (refusal) return refusal;
    const send = () => ctx.call(action, payload, { timeoutMs: request.timeoutMs, since: receivedAt, onLateAnswer: (late) => this.lateAnswer(ctx, action, payload, late) });
    const before = this.before.get(action);
    let sent: Promise<CallOutcome>;
    if (before) {
      const recorded = await this.recording.run(ctx.stationId, async (): Promise<{ refused: OcppCommandReply } | { queued: Promise<CallOutcome> }> => {
        try {
          await before(ctx, payload);
        } catch (e) {
          return { refused: this.errorReply(e, { stationId: ctx.stationId, action }) };
        }
        // Queued before the next command's hook runs (the queue takes it synchronously).
        return { queued: send() };
      });
      if ('refused' in recorded) return recorded.refused;
      sent = recorded.queued;
    } else {
      sent = send();
    }
    const outcome = await sent;
    // One at a time, in registration order: hooks of one action may touch the same rows.
    const effects: (() => Promise<void>)[] =
      outcome.kind === 'result'
        ? (this.after.get(action) ?? []).map((hook) => () => hook(ctx, payload, outcome.payload))
        : (this.failed.get(action) ?? []).map((hook) => () => hook(ctx, payload, outcome));
    if (effects.length > 0) {
      // Outcomes arrive in the order the station's CALLs went out (one at a time); their effects are
      // applied in that order too: the next answer's effects could otherwise commit first (a refused
      // second ReserveNow settled before the accepted first one, and the first one's acceptance was lost).
      await this.settling.run(ctx.stationId, async () => {
        for (const effect of effects) {
          await effect().catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId, action, outcome: outcome.kind }, 'could not record the effect of a command outcome'));
        }
      });
    }
    return replyOf(outcome, action);
  }

  /**
   * The charger answered after the timeout its caller was told, in the station's answer order (the
   * session hands on only answers to calls not overtaken by a later answer). A CallResult still says
   * what it did: its answer hooks run as for a timely one, told it is late (the timeout's failure
   * hooks ran already, as "may have acted"). A CallError says it did not act: the failure hooks
   * registered `late` run with it. A broken CALLRESULT (it may have acted) tells no more than the
   * timeout did. Returns whether effects are applied.
   */
  private lateAnswer(ctx: StationContext, action: CsAction16, payload: JsonObject, outcome: CallOutcome): boolean {
    if (NOT_APPLIED_LATE.has(action)) return false;
    const timing: HookTiming = { late: true };
    const effects: (() => Promise<void>)[] =
      outcome.kind === 'result'
        ? (this.after.get(action) ?? []).map((hook) => () => hook(ctx, payload, outcome.payload, timing))
        : outcome.kind === 'error' && !mayHaveReachedCharger(outcome)
          ? (this.failedLate.get(action) ?? []).map((hook) => () => hook(ctx, payload, outcome, timing))
          : [];
    if (effects.length === 0) return false;
    void this.settling.run(ctx.stationId, async () => {
      for (const effect of effects) {
        await effect().catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId, action, late: true, outcome: outcome.kind }, 'could not record the effect of a late answer'));
      }
    });
    return true;
  }

  /**
   * What is refused whatever the station: an unknown action, a payload the schema or the rules
   * refuse. Checked before a command travels, so an offline station or a bulk command gets the 400
   * too. A payload a completing hook fills in is checked only where the command runs.
   */
  check(request: OcppCommandRequest): OcppCommandReply | undefined {
    const { action } = request;
    if (!isCsAction16(action)) return invalid(`${action} is not a central-system action of OCPP 1.6`);
    if (!this.complete.has(action)) return payloadRefusal(action, request.payload as JsonObject);
    // What a completing hook fills in is checked where the command runs; the rest of the payload
    // now, with a stand-in for those fields (the operator's own value wins): otherwise an invalid
    // ReserveNow got 503 for an offline station and, in bulk, a 400 per connected station.
    const standIn = FILLED_IN_WHERE_RUN[action];
    return standIn ? payloadRefusal(action, { ...standIn, ...(request.payload as JsonObject) }) : undefined;
  }

  /** `context` goes with the error log: without the station, one charger's failure is not findable among thousands. */
  errorReply(e: unknown, context: { stationId?: string; action?: string } = {}): OcppCommandReply {
    // The command ran and the charger answered, but that answer could not travel back (e.g. over
    // the bus's max_payload): our failure, with an outcome the requester must treat as unknown.
    if (e instanceof ReplyNotSentError) {
      return { status: 'error', code: LocalCommandErrorCode.CentralSystemError, description: `the charger answered, but ${e.message}`.slice(0, 1024), mayHaveActed: true };
    }
    if (e instanceof DomainError && e.kind === 'validation') return invalid(e.message, e.details);
    if (e instanceof DomainError && e.kind === 'not_found') return invalid(e.message);
    if (e instanceof DomainError && e.kind === 'conflict') return { status: 'error', code: LocalCommandErrorCode.Conflict, description: e.message.slice(0, 1024), details: e.details };
    // Anything else is our own failure (the database, a bug): its text (a PostgreSQL message, a
    // query's values) is for the log, never for the caller, who is told only that we failed.
    this.logger.error({ err: e, ...context }, 'command failed');
    return error(LocalCommandErrorCode.CentralSystemError, COMMAND_FAILED);
  }
}

/**
 * Why the station's registration forbids sending it `action` now, if it does: a station rejected at
 * boot gets no CALLs at all (guide §2.1), a Pending one none that start or stop charging. Every
 * path to a charger asks this (operator and bus commands, smart charging).
 */
export function registrationRefusal(ctx: Pick<StationContext, 'registration'>, action: string): OcppCommandReply | undefined {
  if (ctx.registration === 'Rejected') return error(LocalCommandErrorCode.NotAccepted, 'the station was rejected at boot; it gets no calls');
  if (ctx.registration !== 'Accepted' && FORBIDDEN_WHILE_PENDING.has(action)) {
    return error(LocalCommandErrorCode.NotAccepted, `${action} is not allowed before the station is accepted`);
  }
  return undefined;
}

/** The OCA schema, then the guide's rules and our ranges, as one InvalidRequest naming the fields. */
function payloadRefusal(action: CsAction16, payload: JsonObject): OcppCommandReply | undefined {
  const checked = validateRequest16(action, payload);
  if (!checked.ok) return invalid(checked.description, checked.details);
  return refusalOf(commandRuleViolations(action, payload));
}
