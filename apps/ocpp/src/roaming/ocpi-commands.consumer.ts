import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects, type OcpiCommandRequested, type OcpiCommandResultType } from '@cpo/contracts';
import { ConsumerHost, OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER, UnavailableError } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuthorizationService } from '../authorization/authorization.service.js';
import { CommandService } from '../commands/command.service.js';
import { CommandDrain } from '../connection/command-drain.js';
import { ReservationRepository } from '../reservations/reservation.repository.js';
import { ocpiCommandCallTimeoutMs, ocpiCommandMsLeft } from './command-deadline.js';
import { OcpiCommandRepository } from './ocpi-command.repository.js';
import { ocpiReservationIdOf, ocpiResultOf, ocppCallFor } from './ocpi-command.mapping.js';
import { RemoteStartTracker } from '../transactions/remote-start.tracker.js';

/** Tries of writing a command's result (its settle row and outbox event), and the waits between them. */
const REPORT_RETRY_MS = [1_000, 5_000];

/**
 * Commands roaming partners send through ocpi-hub for our own chargers: recorded with the
 * consumer's inbox (once per command), executed on the charger after the commit, and answered with
 * `ocpi.command.result` through the outbox. Every recorded command ends in a result: a failure
 * before the charger answered is `FAILED` (with why), writing the result is retried, and what is
 * still pending after that (the replica stopped mid-way, the database stayed down) is settled as
 * `TIMEOUT` by `StaleOcpiCommands`. The partner is never left without an answer.
 */
@Injectable()
export class OcpiCommandsConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly commands: OcpiCommandRepository,
    private readonly reservations: ReservationRepository,
    private readonly ocpp: CommandService,
    private readonly drain: CommandDrain,
    private readonly authorization: AuthorizationService,
    private readonly outbox: OutboxWriter,
    private readonly remoteStarts: RemoteStartTracker,
    private readonly db: DataSource,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.OcpiCommandRequested>({
      durable: 'ocpp-ocpi-commands',
      stream: Streams.OCPI,
      filterSubject: Subjects.OcpiCommandRequested,
      handler: async (event, tx) => {
        // A stopping replica refuses new commands for its stations (CommandDrain): executed here,
        // this one would be reported FAILED although its charger is reconnecting to another
        // replica. Unavailable leaves it on the stream (nak, never dead-lettered) for a replica that stays.
        if (this.drain.stopping) throw new UnavailableError('this replica is shutting down; another one takes the OCPI command');
        return this.commands.record(tx, event.payload);
      },
      afterCommit: (events) => {
        // A stopping replica keeps its chargers' sockets open until these end (bounded, with every
        // other command accepted before the shutdown): the charger's answer, and the result written
        // with its outbox event. Without the wait the socket closed under the call and the partner
        // heard FAILED (or, the write failing, TIMEOUT much later) for a command the charger carried out.
        for (const event of events) void this.drain.hold(this.execute(event.payload));
      },
    });
  }

  /** Runs the command and writes its result; never throws (a failure is a FAILED result, logged). */
  private async execute(command: OcpiCommandRequested): Promise<void> {
    let outcome: { result: OcpiCommandResultType; message?: string };
    try {
      outcome = await this.run(command);
    } catch (err) {
      this.logger.error({ err, commandId: command.commandId, type: command.type, stationId: command.stationId }, 'OCPI command could not be executed');
      outcome = { result: 'FAILED', message: `could not be executed: ${(err as Error).message}` };
    }
    await this.reportRetrying(command, outcome.result, outcome.message);
    if (command.type === 'RESERVE_NOW' && outcome.result === 'ACCEPTED') await this.cancelReplaced(command);
  }

  /**
   * OCPI: a RESERVE_NOW with a reservation_id the eMSP used before replaces that reservation, also
   * when it names another location or EVSE. At the same station the charger replaces it (same OCPP
   * id, see run); at another one the old reservation would block its connector until it expired, since
   * the hub now routes the eMSP's CANCEL_RESERVATION to the new station only. Once the new one is
   * accepted (a refused one replaces nothing), the old ones are cancelled; after the result, so the
   * eMSP does not wait for it, and best effort (logged): the result stands either way.
   */
  private async cancelReplaced(command: OcpiCommandRequested): Promise<void> {
    const ocpiReservation = ocpiReservationIdOf(command.parameters);
    if (ocpiReservation === undefined) return;
    try {
      for (const old of await this.commands.liveReservationsElsewhere(command.stationId, ocpiReservation, command.requester)) {
        const reply = await this.ocpp.send(old.stationId, { action: 'CancelReservation', payload: { reservationId: old.reservationId } });
        const outcome = reply.status === 'ok' ? String(reply.payload['status']) : `${reply.code}: ${reply.description}`;
        this.logger.info({ commandId: command.commandId, ...old, outcome }, 'reservation replaced by a RESERVE_NOW at another station; cancelled');
      }
    } catch (err) {
      this.logger.error({ err, commandId: command.commandId }, 'reservation replaced at another station could not be cancelled');
    }
  }

  private async run(requested: OcpiCommandRequested): Promise<{ result: OcpiCommandResultType; message?: string }> {
    let command = requested;
    const tooLate = this.tooLate(command);
    if (tooLate) return tooLate;
    const ids: { reservationId?: number; cancelReservationId?: number } = {};
    const ocpiReservation = ocpiReservationIdOf(command.parameters);
    if (command.type === 'RESERVE_NOW') {
      // OCPI: a RESERVE_NOW with a reservation_id that exists replaces that reservation, so it goes
      // to the charger under the same OCPP id (ReserveNow with a known id replaces it, OCPP 1.6 §5.13).
      // Only the same eMSP's: ids are unique per eMSP, another's reservation must stay as it is.
      const existing = ocpiReservation !== undefined ? await this.commands.reservationFor(command.stationId, ocpiReservation, command.requester) : undefined;
      ids.reservationId = existing ?? (await this.reservations.nextId());
      await this.commands.setReservation(command.commandId, ids.reservationId);
    } else if (command.type === 'CANCEL_RESERVATION' && ocpiReservation !== undefined) {
      ids.cancelReservationId = await this.commands.reservationFor(command.stationId, ocpiReservation, command.requester);
    } else if (command.type === 'START_SESSION' && !command.connectorId && ocpiReservation !== undefined) {
      // OCPI: a START_SESSION naming a reservation starts the session for it, and 2.2.1 lets it leave
      // the EVSE out. RemoteStartTransaction has no reservationId: without a connectorId the charger
      // picks one, maybe not the reserved one (or refuses, the only free one being reserved).
      const connectorId = await this.commands.reservedConnector(command.stationId, ocpiReservation, command.requester);
      if (connectorId !== undefined) command = { ...command, connectorId };
    }
    const call = ocppCallFor(command, ids);
    if ('result' in call) return { result: call.result, message: call.message };
    // Before the call: a charger may send its Authorize (AuthorizeRemoteTxRequests) before its answer.
    if (call.action === 'RemoteStartTransaction') await this.authorization.rememberCommanded(command.stationId, String(call.payload['idTag']), command.authorizationReference);
    const markedBy = performance.now();
    // The charger gets what is left of the deadline (the reservation lookups above took some): a
    // command that arrived just in time must not reach the charger, queued, long after it, and one
    // with time left must not be given up on earlier (ocpiCommandCallTimeoutMs).
    const leftMs = this.msLeft(command);
    if (leftMs <= 0) {
      if (call.action === 'RemoteStartTransaction') await this.remoteStarts.notCommanded(command.stationId, String(call.payload['idTag']), markedBy);
      return this.tooLate(command)!;
    }
    const timeoutMs = ocpiCommandCallTimeoutMs(leftMs);
    const reply = await this.ocpp.send(command.stationId, { action: call.action, payload: call.payload, timeoutMs });
    const result = ocpiResultOf(call.action, reply);
    // Only a start the charger surely did not carry out (FAILED, NOT_SUPPORTED; not a TIMEOUT, which
    // it may have acted on) gives its token back to the hub. A refusal the charger answered, in time
    // or late, does so where every answer is recorded (RemoteStartTracker).
    if (call.action === 'RemoteStartTransaction' && reply.status === 'error' && result !== 'TIMEOUT') await this.remoteStarts.notCommanded(command.stationId, String(call.payload['idTag']), markedBy);
    return { result, message: reply.status === 'error' ? `${reply.code}: ${reply.description}` : undefined };
  }

  /** How long a replica may still act on the command (see OCPI_COMMAND_DEADLINE_S), in ms. */
  private msLeft(command: OcpiCommandRequested): number {
    return ocpiCommandMsLeft(command.requestedAt);
  }

  /** The TIMEOUT of a command past its deadline, not sent to the charger; undefined while it is in time. */
  private tooLate(command: OcpiCommandRequested): { result: OcpiCommandResultType; message: string } | undefined {
    if (this.msLeft(command) > 0) return undefined;
    const ageS = Math.round((Date.now() - Date.parse(command.requestedAt)) / 1000);
    this.logger.warn({ commandId: command.commandId, type: command.type, stationId: command.stationId, ageS }, 'OCPI command arrived too late; not sent to the charger');
    return { result: 'TIMEOUT', message: `arrived ${ageS} s after it was requested; not sent to the charge point` };
  }

  /** The charger may have acted already: its answer must reach the partner, so a failed write is tried again. */
  private async reportRetrying(command: OcpiCommandRequested, result: OcpiCommandResultType, message?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.report(command, result, message);
      } catch (err) {
        const wait = REPORT_RETRY_MS[attempt];
        this.logger.error({ err, commandId: command.commandId, result, retryInMs: wait }, wait === undefined ? 'OCPI command result not recorded; left to the stale-command pass' : 'OCPI command result not recorded; retrying');
        if (wait === undefined) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Settles the command once and enqueues its result in the same transaction (a second settle is a no-op). */
  async report(command: Pick<OcpiCommandRequested, 'commandId'>, result: OcpiCommandResultType, message?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.commands.settle(tx, command.commandId, result, message))) return;
      await this.outbox.enqueue(tx, Subjects.OcpiCommandResult, { commandId: command.commandId, result, message: message?.slice(0, 500) || undefined, at: new Date().toISOString() });
    });
  }
}
