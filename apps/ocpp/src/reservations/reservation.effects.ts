import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor } from '../commands/command-executor.js';
import { parseOcppTime } from '../time.js';
import { ReservationRepository } from './reservation.repository.js';

/**
 * Keeps reservations in step with ReserveNow / CancelReservation: the id is ours (allocated when the
 * caller gives none), recorded before the call and updated with the charger's answer. The
 * reservation is used up by the StartTransaction that carries its id.
 */
@Injectable()
export class ReservationEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly reservations: ReservationRepository,
  ) {}

  onModuleInit(): void {
    this.executor.beforeSending('ReserveNow', async (ctx, payload) => {
      const req = { ...payload } as Partial<Ocpp16.ReserveNowRequest>;
      req.reservationId ??= await this.reservations.nextId();
      if (typeof req.connectorId === 'number' && typeof req.idTag === 'string' && typeof req.expiryDate === 'string') {
        await this.reservations.upsertRequested({
          reservationId: req.reservationId,
          stationId: ctx.stationId,
          connectorId: req.connectorId,
          idTag: req.idTag,
          parentIdTag: req.parentIdTag,
          expiryDate: parseOcppTime(req.expiryDate),
        });
      }
      return req as Record<string, unknown>;
    });
    this.executor.afterAnswer('ReserveNow', async (_ctx, payload, answer) => {
      await this.reservations.setStatus((payload as unknown as Ocpp16.ReserveNowRequest).reservationId, (answer as unknown as Ocpp16.ReserveNowResponse).status);
    });
    this.executor.afterAnswer('CancelReservation', async (_ctx, payload, answer) => {
      if ((answer as unknown as Ocpp16.CancelReservationResponse).status === 'Accepted') {
        await this.reservations.setStatus((payload as unknown as Ocpp16.CancelReservationRequest).reservationId, 'Cancelled');
      }
    });
  }
}
