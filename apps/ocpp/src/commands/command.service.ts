import { Inject, Injectable } from '@nestjs/common';
import { OcppCommandErrorCode, OcppCommandReplyV1, ocppCommandSubject, parseRequestPayload, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { BusRequester, isNoResponders } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER, TimeoutError, ValidationError } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import { COMMAND_FAILED, CommandExecutor, LocalCommandErrorCode } from './command-executor.js';
import { stationIdProblem } from './station-id.js';

/** Extra wait on top of the call timeout for a command travelling to another replica (its queueing there counts within the call timeout). */
const BUS_MARGIN_MS = 5_000;

/** Stations a bulk command runs at once (see CommandService.sendMany). */
export const BULK_PARALLEL = 1000;

/**
 * Sends a command to a charger wherever its socket is: directly when this replica holds it,
 * otherwise over `ocpp.command.{stationId}` to the replica that does.
 */
@Injectable()
export class CommandService {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly executor: CommandExecutor,
    private readonly requester: BusRequester,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async send(stationId: string, request: OcppCommandRequest): Promise<OcppCommandReply> {
    const problem = stationIdProblem(stationId);
    if (problem) return { status: 'error', code: OcppCommandErrorCode.InvalidRequest, description: `station id ${problem}`, details: { stationId: problem } };
    const refused = this.check(request);
    if (refused) return refused;
    const local = this.registry.get(stationId);
    if (local) return this.executor.execute(local, request);
    // Where the socket is held the executor asks again (a bus command may come from elsewhere); asked
    // here too so that an offline station gets the 400 rather than 503.
    const limited = await this.executor.stationRefusal(stationId, request.action, request.payload as JsonObject);
    if (limited) return limited;
    // Named in the request: the holding replica's default may differ from ours (a rollout changing
    // it), and a call it sent after we gave up would act with the caller told Timeout. The requester
    // names our service in Cpo-Source: the holding replica then does not take it for a command from
    // outside (StationCommands), whose operator rules were checked where it entered, if they apply.
    const callTimeoutMs = request.timeoutMs ?? this.config.OCPP_CALL_TIMEOUT_MS;
    try {
      return await this.requester.request(ocppCommandSubject(stationId), { ...request, timeoutMs: callTimeoutMs }, {
        timeoutMs: callTimeoutMs + BUS_MARGIN_MS,
        parseReply: (p) => parseRequestPayload(OcppCommandReplyV1, p),
        metricSubject: 'ocpp.command.*',
      });
    } catch (err) {
      if (isNoResponders(err)) return { status: 'error', code: OcppCommandErrorCode.Offline, description: `station ${stationId} is not connected` };
      // Our replica, not the charger, failed to answer: a code of its own, so that neither the
      // operator (503, not the charger's 504) nor a caller recording outcomes takes it for the
      // charger's timeout. That replica may have sent the CALL before stalling.
      if (err instanceof TimeoutError) {
        return { status: 'error', code: OcppCommandErrorCode.ReplicaTimeout, description: `no answer from the replica holding ${stationId} in time`, mayHaveActed: true };
      }
      // Our bus failed (connection down, a reply outside the contract): the station may well be
      // connected, and the operator's request was fine, so neither Offline nor a 400.
      this.logger.error({ err, stationId, action: request.action }, 'command could not travel over the bus');
      // A reply we cannot read (e.g. a newer replica's, mid-rollout) came from the replica that ran
      // the command: its charger may have acted, and a reply without the flag says it did not.
      if (err instanceof ValidationError) {
        return { status: 'error', code: LocalCommandErrorCode.CentralSystemError, description: `the replica holding ${stationId} answered, unreadably: ${errorMessage(err)}`.slice(0, 1024), mayHaveActed: true };
      }
      return { status: 'error', code: LocalCommandErrorCode.CentralSystemError, description: `the command could not reach the replica holding ${stationId}: ${errorMessage(err)}`.slice(0, 1024) };
    }
  }

  /** Why the command is invalid for any station (the 400 an offline station or a bulk command gets too), if it is. */
  check(request: OcppCommandRequest): OcppCommandReply | undefined {
    return this.executor.check(request);
  }

  /**
   * The same command to many stations at once; one result per station. A station that fails never
   * takes the others' results with it: its own result is the typed error. Every station gets the
   * whole timeout from when its command is sent, as a single command would: a deadline shared by the
   * request let the chargers slow to answer hold the slots until it passed, and every station after
   * them was reported Timeout without being sent. Up to BULK_PARALLEL stations at a time (each is a
   * bus request and a CALL at its own charger; nothing here is shared), so a request takes at most
   * ⌈stations / BULK_PARALLEL⌉ timeouts (10 for the largest bulk, 10,000 stations).
   */
  async sendMany(stationIds: string[], request: OcppCommandRequest, parallel = BULK_PARALLEL): Promise<{ stationId: string; reply: OcppCommandReply }[]> {
    const results: { stationId: string; reply: OcppCommandReply }[] = new Array(stationIds.length);
    let next = 0;
    const worker = async () => {
      while (next < stationIds.length) {
        const index = next++;
        const stationId = stationIds[index]!;
        results[index] = { stationId, reply: await this.sendOne(stationId, request) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, stationIds.length) }, worker));
    return results;
  }

  private async sendOne(stationId: string, request: OcppCommandRequest): Promise<OcppCommandReply> {
    try {
      return await this.send(stationId, request);
    } catch (err) {
      // Our own failure (a database error on the way): its text is for the log, not the operator.
      this.logger.error({ err, stationId, action: request.action }, 'bulk command failed for one station');
      return { status: 'error', code: LocalCommandErrorCode.CentralSystemError, description: COMMAND_FAILED };
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
