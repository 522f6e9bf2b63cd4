import { Injectable } from '@nestjs/common';
import { OcppCommandRequestV1, ocppCommandSubject, parseRequestPayload, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { BusResponder } from '@cpo/messaging';
import { CommandExecutor } from '../commands/command-executor.js';
import { CommandDrain } from './command-drain.js';
import type { StationSession } from './station-session.js';

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
 */
@Injectable()
export class StationCommands {
  constructor(
    private readonly responder: BusResponder,
    private readonly executor: CommandExecutor,
    private readonly drain: CommandDrain,
  ) {}

  /** Serves the session's station until the session starts closing or the returned stop is called. */
  serve(session: StationSession): () => void {
    const { stationId } = session;
    const subscription = this.responder.serve<OcppCommandRequest, OcppCommandReply>({
      subject: ocppCommandSubject(stationId),
      parseRequest: (p) => parseRequestPayload(OcppCommandRequestV1, p),
      // Refused from the first shutdown step; one accepted before is waited for (CommandDrain).
      handle: (request) => (this.drain.stopping ? Promise.resolve(this.drain.refusal(stationId)) : this.drain.hold(this.executor.execute(session, request))),
      toErrorReply: (e) => this.executor.errorReply(e, { stationId }),
    });
    const stop = () => {
      if (!subscription.isClosed()) subscription.unsubscribe();
    };
    void session.closing.then(stop);
    return stop;
  }
}
