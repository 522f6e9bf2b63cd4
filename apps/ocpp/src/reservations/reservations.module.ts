import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { ReservationEffects } from './reservation.effects.js';
import { ReservationListRepository } from './reservation-list.repository.js';
import { ReservationResend } from './reservation-resend.js';
import { ReservationResendRepository } from './reservation-resend.repository.js';
import { ReservationRepository } from './reservation.repository.js';

@Module({
  imports: [ConnectionModule],
  providers: [ReservationRepository, ReservationListRepository, ReservationEffects, ReservationResendRepository, ReservationResend],
  exports: [ReservationRepository, ReservationListRepository, ReservationResend],
})
export class ReservationsModule {}
