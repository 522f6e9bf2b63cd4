import { Module } from '@nestjs/common';
import { TransceiverRepository } from './transceiver.repository.js';

/** Data access to transceivers and modules, shared by the device-API features of this service. */
@Module({ providers: [TransceiverRepository], exports: [TransceiverRepository] })
export class TransceiversModule {}
