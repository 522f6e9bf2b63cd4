import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject, Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { ReservationResendRepository, type HeldTerms } from './reservation-resend.repository.js';

/**
 * A unit replaced under the station's identity (forgetReplacedUnit) holds none of the old unit's
 * reservations, yet they read live (`Accepted`, or `TimedOut`: possibly held) until their expiry: a
 * driver turned away, or a connector given to someone else, by a reservation nobody holds. As for
 * the operator's Inoperative (AvailabilityReapply), the reservation was made for the connector and
 * the driver, not the hardware: it is sent again, the same ReserveNow (id, connector, tag, expiry),
 * to the new unit once its boot is accepted, through the command path so that the answer settles it
 * as any ReserveNow's (ReservationEffects): `Accepted` keeps it, a refusal ends it with the refusal,
 * a CallError `Failed`, no answer `TimedOut`, each published as `ocpp.reservation.updated`.
 * Recorded as `Requested` meanwhile, with nothing of the old unit's to come back on a refusal (a
 * replacing ReserveNow restores what it replaced: here the charger holds nothing). One that cannot
 * be sent at all (refused before it went out, e.g. a connector the new unit does not have) ends
 * `Failed`. Expired, ended or replaced ones meanwhile are left alone.
 */
@Injectable()
export class ReservationResend {
  /**
   * The payloads being re-sent, until ReservationEffects' before-hook takes them (by identity: the
   * executor hands that hook the payload it was given, which names its reservation id).
   */
  private readonly resending = new WeakMap<JsonObject, HeldTerms>();

  constructor(
    private readonly executor: CommandExecutor,
    private readonly reservations: ReservationResendRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Sends the new unit, one at a time, the reservations the station held before its boot at `bootAt`. */
  async toNewUnit(ctx: StationContext, bootAt: Date): Promise<void> {
    for (const held of await this.reservations.heldBefore(ctx.stationId, bootAt)) {
      const payload: JsonObject = {
        connectorId: held.connectorId,
        expiryDate: held.expiryDate.toISOString(),
        idTag: held.idTag,
        ...(held.parentIdTag === undefined ? {} : { parentIdTag: held.parentIdTag }),
        reservationId: held.reservationId,
      };
      this.resending.set(payload, held);
      const reply = await this.executor.execute(ctx, { action: 'ReserveNow', payload });
      const log = { stationId: ctx.stationId, reservationId: held.reservationId, reply };
      // Still here: refused before the before-hook, so nothing recorded it or will settle it.
      if (this.resending.delete(payload)) {
        const ended = await this.reservations.take(ctx.stationId, held, 'Failed');
        this.logger.warn({ ...log, ended }, 'replaced unit: a reservation could not be sent to the new unit; ended Failed');
      } else if (reply.status === 'ok' && (reply.payload as unknown as Ocpp16.ReserveNowResponse).status === 'Accepted') {
        this.logger.info(log, 'replaced unit: a reservation sent again, the new unit holds it');
      } else {
        this.logger.warn(log, 'replaced unit: a reservation sent again was not taken by the new unit; it reads as its answer says');
      }
    }
  }

  /**
   * For ReservationEffects' before-hook: whether `payload` is a re-send of this class, and if so
   * records it `Requested` in place of upsertRequested. A reservation no longer held as it was read
   * (cancelled, used, expired, replaced since) refuses the command: it is not sent.
   */
  async recordIfResent(stationId: string, payload: JsonObject): Promise<boolean> {
    const held = this.resending.get(payload);
    if (!held) return false;
    this.resending.delete(payload);
    if (!(await this.reservations.take(stationId, held, 'Requested'))) {
      throw new ConflictError(`reservation ${held.reservationId} ended before it could be sent to the new unit`);
    }
    return true;
  }
}
