import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects, type OcpiCommandRequested, type OcpiCommandResultType } from '@cpo/contracts';
import { ConsumerHost, OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CommandService } from '../commands/command.service.js';
import { ReservationRepository } from '../reservations/reservation.repository.js';
import { OcpiCommandRepository } from './ocpi-command.repository.js';
import { ocpiResultOf, ocppCallFor } from './ocpi-command.mapping.js';

/**
 * Commands roaming partners send through ocpi-hub for our own chargers: recorded with the
 * consumer's inbox (once per command), executed on the charger after the commit, and answered with
 * `ocpi.command.result` through the outbox. A command that was recorded but not executed (the
 * replica stopped in between) gets no result; the hub reports its own timeout to the partner.
 */
@Injectable()
export class OcpiCommandsConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly commands: OcpiCommandRepository,
    private readonly reservations: ReservationRepository,
    private readonly ocpp: CommandService,
    private readonly outbox: OutboxWriter,
    private readonly db: DataSource,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.OcpiCommandRequested>({
      durable: 'ocpp-ocpi-commands',
      stream: Streams.OCPI,
      filterSubject: Subjects.OcpiCommandRequested,
      handler: (event, tx) => this.commands.record(tx, event.payload),
      afterCommit: (events) => {
        for (const event of events) {
          void this.execute(event.payload).catch((err: unknown) => this.logger.error({ err, commandId: event.payload.commandId }, 'OCPI command failed'));
        }
      },
    });
  }

  private async execute(command: OcpiCommandRequested): Promise<void> {
    const ids: { reservationId?: number; cancelReservationId?: number } = {};
    const ocpiReservation = command.parameters['reservation_id'];
    if (command.type === 'RESERVE_NOW') {
      ids.reservationId = await this.reservations.nextId();
      await this.commands.setReservation(command.commandId, ids.reservationId);
    } else if (command.type === 'CANCEL_RESERVATION' && typeof ocpiReservation === 'string') {
      ids.cancelReservationId = await this.commands.reservationFor(command.stationId, ocpiReservation);
    }
    const call = ocppCallFor(command, ids);
    if ('result' in call) return this.report(command, call.result, call.message);
    const reply = await this.ocpp.send(command.stationId, { action: call.action, payload: call.payload });
    await this.report(command, ocpiResultOf(call.action, reply), reply.status === 'error' ? `${reply.code}: ${reply.description}` : undefined);
  }

  private async report(command: OcpiCommandRequested, result: OcpiCommandResultType, message?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.commands.settle(tx, command.commandId, result, message))) return;
      await this.outbox.enqueue(tx, Subjects.OcpiCommandResult, { commandId: command.commandId, result, message: message?.slice(0, 500) || undefined, at: new Date().toISOString() });
    });
  }
}
