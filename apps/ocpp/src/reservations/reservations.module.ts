import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { ReservationEffects } from './reservation.effects.js';
import { ReservationRepository } from './reservation.repository.js';

@Module({
  imports: [ConnectionModule],
  providers: [ReservationRepository, ReservationEffects],
  exports: [ReservationRepository],
})
export class ReservationsModule {}
