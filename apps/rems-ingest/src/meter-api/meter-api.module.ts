import { Module } from '@nestjs/common';
import { MeterApiListener } from './meter-api.listener.js';

/** The optional second listener for the METER-API role (see MeterApiListener). */
@Module({ providers: [MeterApiListener], exports: [MeterApiListener] })
export class MeterApiModule {}
