import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConflictError } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor, mayHaveReachedCharger, type CallFailure } from '../commands/command-executor.js';
import { parseOcppTime } from '../time.js';
import { ReservationResend } from './reservation-resend.js';
import { LIVE_RESERVATION_STATUSES, ReservationRepository, type ReservationTerms } from './reservation.repository.js';

/**
 * What a ReserveNow that got no answer leaves: `Failed` when the charger certainly holds nothing
 * from it (CallError, or the call never went out), `TimedOut` when it may (no answer in time, or
 * the socket closed with the call possibly delivered).
 */
export function reservationStatusAfter(failure: CallFailure): 'Failed' | 'TimedOut' {
  return mayHaveReachedCharger(failure) ? 'TimedOut' : 'Failed';
}

/** The terms a ReserveNow asked for, as recorded (upsertRequested): its answer settles those. */
function termsOf(req: Ocpp16.ReserveNowRequest): ReservationTerms {
  return { connectorId: req.connectorId, idTag: req.idTag, parentIdTag: req.parentIdTag, expiryDate: parseOcppTime(req.expiryDate) };
}

/**
 * Keeps reservations in step with ReserveNow / CancelReservation: the id is ours (allocated when the
 * caller gives none), recorded once the request passed validation and updated with the charger's
 * answer, or with a final status when there is none. The reservation is used up by the
 * StartTransaction that carries its id, or by one of its tag without an id (TransactionService).
 */
@Injectable()
export class ReservationEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly reservations: ReservationRepository,
    private readonly resend: ReservationResend,
  ) {}

  onModuleInit(): void {
    this.executor.completing('ReserveNow', async (_ctx, payload) =>
      payload['reservationId'] === undefined ? { ...payload, reservationId: await this.reservations.nextId() } : payload,
    );
    this.executor.beforeSending('ReserveNow', async (ctx, payload) => {
      // A reservation sent again to a replaced unit is recorded by ReservationResend.
      if (await this.resend.recordIfResent(ctx.stationId, payload)) return;
      const req = payload as unknown as Ocpp16.ReserveNowRequest;
      const recorded = await this.reservations.upsertRequested({
        reservationId: req.reservationId,
        stationId: ctx.stationId,
        connectorId: req.connectorId,
        idTag: req.idTag,
        parentIdTag: req.parentIdTag,
        expiryDate: parseOcppTime(req.expiryDate),
      });
      if (!recorded) {
        throw new ConflictError(`reservation ${req.reservationId} is held at another station`, {
          reservationId: 'is held at another station; leave it out to get a new one',
        });
      }
    });
    this.executor.afterAnswer('ReserveNow', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.ReserveNowRequest;
      await this.reservations.settleRequested(ctx.stationId, req.reservationId, (answer as unknown as Ocpp16.ReserveNowResponse).status, termsOf(req));
    });
    // Also for a CallError after the timeout: the row left TimedOut (with these terms) is Failed, as a
    // timely CallError leaves it (settleRequested takes a TimedOut row's late answer).
    this.executor.afterFailure(
      'ReserveNow',
      async (ctx, payload, failure) => {
        const req = payload as unknown as Ocpp16.ReserveNowRequest;
        await this.reservations.settleRequested(ctx.stationId, req.reservationId, reservationStatusAfter(failure), termsOf(req));
      },
      { late: true },
    );
    // Rejected means the charger has no such reservation (OCPP 1.6 §5.3): it expired by its clock,
    // ended with a start that did not name it, or never arrived; a live one must stop reading as held.
    this.executor.afterAnswer('CancelReservation', async (ctx, payload, answer) => {
      const { reservationId } = payload as unknown as Ocpp16.CancelReservationRequest;
      const status = (answer as unknown as Ocpp16.CancelReservationResponse).status === 'Accepted' ? 'Cancelled' : 'NotHeld';
      await this.reservations.setStatus(ctx.stationId, reservationId, status, LIVE_RESERVATION_STATUSES);
    });
  }
}
