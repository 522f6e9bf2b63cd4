import { Inject, Injectable } from '@nestjs/common';
import { OcppCommandRequestV1, ocppCommandSubject, parseRequestPayload, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { BusResponder } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { CommandExecutor } from '../commands/command-executor.js';
import { CommandDrain } from './command-drain.js';
import type { StationSession } from './station-session.js';

/** Why a command from outside must not run (the operator rules), if so; may read the database. */
export type OutsideCommandCheck = (stationId: string, request: OcppCommandRequest) => Promise<OcppCommandReply | undefined>;

/**
 * A station's command subject (`ocpp.command.{id}`), served by the replica holding its socket for
 * as long as the session is open, not until its socket's `close` event. A charger that sends its
 * close frame and reconnects elsewhere may leave this socket closing for seconds (the close
 * handshake, TCP it never closes); a command request then reaches both replicas, and this one,
 * finding no open session, would answer `Offline` at once, first, for a command the other replica
 * carries out at the charger (and the caller might retry it). Once we stop serving, the other
 * replica answers, or nobody does, and the requester's "no responders" is `Offline` too.
 * A request accepted before the session started closing ends as before (its CALL may have reached
 * the charger); the reply goes to the requester's inbox, which needs no subscription.
 *
 * The subject is also where commands enter from outside (another service, a script): those pass
 * the operator rules REST commands pass (a grid limit's profile id or slot is refused, `Conflict`),
 * else a profile sent here would silently replace the grid limit. A request our own replicas send
 * (CommandService forwarding an operator's command, checked where it entered, or smart charging's
 * own grid limits) names our service in `Cpo-Source`, as every replica has always done: it is not
 * checked again, so replicas of before this rule keep forwarding to newer ones during a rollout.
 */
@Injectable()
export class StationCommands {
  private outsideCheck: OutsideCommandCheck | undefined;

  constructor(
    private readonly responder: BusResponder,
    private readonly executor: CommandExecutor,
    private readonly drain: CommandDrain,
    @Inject(APP_CONFIG) private readonly config: Pick<OcppConfig, 'SERVICE_NAME'>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** The checks for commands from outside (OperatorRuleChecks: the stored profiles are not reachable from this module). */
  checkedBy(check: OutsideCommandCheck): void {
    this.outsideCheck = check;
  }

  /** Serves the session's station until the session starts closing or the returned stop is called. */
  serve(session: StationSession): () => void {
    const { stationId } = session;
    const subscription = this.responder.serve<OcppCommandRequest, OcppCommandReply>({
      subject: ocppCommandSubject(stationId),
      parseRequest: (p) => parseRequestPayload(OcppCommandRequestV1, p),
      // Refused from the first shutdown step; one accepted before is waited for (CommandDrain).
      handle: (request, { source }) => (this.drain.stopping ? Promise.resolve(this.drain.refusal(stationId)) : this.drain.hold(this.run(session, request, source))),
      toErrorReply: (e) => this.executor.errorReply(e, { stationId }),
    });
    const stop = () => {
      if (!subscription.isClosed()) subscription.unsubscribe();
    };
    void session.closing.then(stop);
    return stop;
  }

  private async run(session: StationSession, request: OcppCommandRequest, source: string | undefined): Promise<OcppCommandReply> {
    if (source !== this.config.SERVICE_NAME) {
      // Without the checks (never in the app: the operator-commands module registers them) an
      // outside command is not run: refusing is safe, a lifted grid limit is not.
      if (!this.outsideCheck) throw new Error('the operator rules for commands from outside are not loaded');
      const refused = await this.outsideCheck(session.stationId, request);
      if (refused) {
        // Another service's command refused: its author learns it from the reply, operations from here.
        if (refused.status === 'error') this.logger.warn({ stationId: session.stationId, action: request.action, source, code: refused.code }, 'command from outside the ocpp service refused by the operator rules');
        return refused;
      }
    }
    return this.executor.execute(session, request);
  }
}
