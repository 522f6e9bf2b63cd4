import { Body, HttpCode, Post } from '@nestjs/common';
import type { GraphResult } from '@cpo/rems-protocol';
import type { AuthenticatedDevice } from '../auth/device-auth.guard.js';
import { ZodPipe } from '../common/zod-pipe.js';
import { CurrentDevice, DeviceApiController, DeviceAuth } from '../device-api/device-api.decorators.js';
import { GraphBody, MeterUploadBody, type GraphQueryBody, type MeterUpload } from './meter.dto.js';
import { MeterService } from './meter.service.js';

/** 6.1 and 6.2 (METER-API). */
@DeviceApiController('api/v1/meter', 'meter')
@DeviceAuth()
export class MeterController {
  constructor(private readonly meters: MeterService) {}

  @Post()
  @HttpCode(200)
  upload(@CurrentDevice() device: AuthenticatedDevice, @Body(new ZodPipe(MeterUploadBody)) body: MeterUpload): Promise<true> {
    return this.meters.upload(device, body.multi, body.data);
  }

  @Post('graph')
  @HttpCode(200)
  graph(@CurrentDevice() device: AuthenticatedDevice, @Body(new ZodPipe(GraphBody)) body: GraphQueryBody): Promise<GraphResult> {
    return this.meters.graph(device, body);
  }
}

/** 5.5: the same graph under the API server's path. */
@DeviceApiController('api/v1/energy/transceiver-meter', 'meter')
@DeviceAuth()
export class EnergyGraphController {
  constructor(private readonly meters: MeterService) {}

  @Post('graph')
  @HttpCode(200)
  graph(@CurrentDevice() device: AuthenticatedDevice, @Body(new ZodPipe(GraphBody)) body: GraphQueryBody): Promise<GraphResult> {
    return this.meters.graph(device, body);
  }
}
