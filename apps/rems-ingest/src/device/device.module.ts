import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CommandsModule } from '../commands/commands.module.js';
import { MeterModule } from '../meter/meter.module.js';
import { TransceiversModule } from '../transceivers/transceivers.module.js';
import { DeviceController } from './device.controller.js';
import { DeviceService } from './device.service.js';

/** Registration, reset and pending commands (5.1, 5.2, 5.6). */
@Module({ imports: [AuthModule, CommandsModule, MeterModule, TransceiversModule], controllers: [DeviceController], providers: [DeviceService] })
export class DeviceModule {}
