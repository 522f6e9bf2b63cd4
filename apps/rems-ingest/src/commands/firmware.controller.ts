import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import { errorEnvelope, type ControlCommand, type DirectProcessRequest, type FirmwareCheckRequest, type FirmwareUpdate, type ProcessStatusRequest } from '@cpo/rems-protocol';
import type { AuthenticatedDevice } from '../auth/device-auth.guard.js';
import { ZodPipe } from '../common/zod-pipe.js';
import { CurrentDevice, DeviceApiController, DeviceAuth } from '../device-api/device-api.decorators.js';
import { RemsNotice } from '../device-api/envelope.interceptor.js';
import { CommandIdParam, DirectProcessBody, FirmwareCheckBody, ProcessStatusBody } from './command.dto.js';
import { CommandService } from './command.service.js';

/** 5.7–5.11. */
@DeviceApiController('api/v1/device/firmware', 'device firmware and commands')
@DeviceAuth()
export class FirmwareController {
  constructor(private readonly commands: CommandService) {}

  /** Nothing to update is the guide's `NOT_NEED_UPDATE` envelope with HTTP 200. */
  @Post('check')
  @HttpCode(200)
  async check(@CurrentDevice() device: AuthenticatedDevice, @Body(new ZodPipe(FirmwareCheckBody)) body: FirmwareCheckRequest): Promise<FirmwareUpdate[] | RemsNotice> {
    const updates = await this.commands.checkFirmware(device, body);
    return updates.length > 0 ? updates : new RemsNotice(errorEnvelope('NOT_NEED_UPDATE', 'firmware is up to date'));
  }

  @Get('update/:id')
  get(@CurrentDevice() device: AuthenticatedDevice, @Param('id', new ZodPipe(CommandIdParam)) id: string): Promise<FirmwareUpdate> {
    return this.commands.firmwareUpdate(device, id);
  }

  @Post('update/:id')
  @HttpCode(200)
  complete(@CurrentDevice() device: AuthenticatedDevice, @Param('id', new ZodPipe(CommandIdParam)) id: string): Promise<true> {
    return this.commands.completeFirmwareUpdate(device, id);
  }

  @Post('direct-process')
  @HttpCode(200)
  create(@CurrentDevice() device: AuthenticatedDevice, @Body(new ZodPipe(DirectProcessBody)) body: DirectProcessRequest): Promise<ControlCommand> {
    return this.commands.createCommand(device, body);
  }

  @Post('process')
  @HttpCode(200)
  report(@CurrentDevice() device: AuthenticatedDevice, @Body(new ZodPipe(ProcessStatusBody)) body: ProcessStatusRequest): Promise<true> {
    return this.commands.reportStatus(device, body);
  }
}
