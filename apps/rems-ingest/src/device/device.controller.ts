import { Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import type { ControlCommand, RegisterResult } from '@cpo/rems-protocol';
import type { AuthenticatedDevice } from '../auth/device-auth.guard.js';
import { CommandService } from '../commands/command.service.js';
import { CurrentDevice, DeviceApiController, DeviceAuth } from '../device-api/device-api.decorators.js';
import { DeviceService } from './device.service.js';

/** 5.1, 5.2 and 5.6. */
@DeviceApiController('api/v1/device', 'device')
export class DeviceController {
  constructor(
    private readonly devices: DeviceService,
    private readonly commands: CommandService,
  ) {}

  /** A GET with side effects, as the guide defines it: never cache the password. */
  @Get('register/:tenantAlias/:serialId')
  @Header('Cache-Control', 'no-store')
  register(@Param('tenantAlias') tenantAlias: string, @Param('serialId') serialId: string): Promise<RegisterResult> {
    return this.devices.register(tenantAlias, serialId);
  }

  @Post('register/:tenantAlias/:serialId')
  @HttpCode(200)
  @DeviceAuth()
  reset(@CurrentDevice() device: AuthenticatedDevice, @Param('tenantAlias') tenantAlias: string, @Param('serialId') serialId: string): Promise<true> {
    return this.devices.reset(device, tenantAlias, serialId);
  }

  /** Open commands, returned as `{data: items}` so the envelope makes the documented `data.data`. */
  @Get('process')
  @DeviceAuth()
  async pending(@CurrentDevice() device: AuthenticatedDevice): Promise<{ data: ControlCommand[] }> {
    return { data: await this.commands.pending(device) };
  }
}
