import { Body, Get, Param, Post, Query, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { OperatorController, ValidationError } from '@cpo/platform';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-pipe.js';
import {
  CreateDeviceModelBody,
  CreateFirmwareBody,
  CreateModuleBody,
  CreatePlantBody,
  CreateTenantBody,
  CreateTransceiverBody,
  type CreateDeviceModel,
  type CreateFirmware,
  type CreateModule,
  type CreatePlant,
  type CreateTenant,
  type CreateTransceiver,
} from './admin.dto.js';
import { AdminService } from './admin.service.js';
import { ImportService, type ImportSummary } from './import.service.js';

/** The part of a multer upload we use (multer's own types are not installed). */
interface UploadedImport {
  buffer: Buffer;
  originalname: string;
}

const Limit = z.coerce.number().int().min(1).max(1000).default(100);

/** Operator API (the web admin's functions), under /api/v1/rems, with the operator API key. */
@OperatorController('rems', 'rems admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly importer: ImportService,
  ) {}

  @Post('tenants')
  createTenant(@Body(new ZodPipe(CreateTenantBody)) body: CreateTenant) {
    return this.admin.createTenant(body);
  }

  @Post('plants')
  createPlant(@Body(new ZodPipe(CreatePlantBody)) body: CreatePlant) {
    return this.admin.createPlant(body);
  }

  @Post('transceivers')
  createTransceiver(@Body(new ZodPipe(CreateTransceiverBody)) body: CreateTransceiver) {
    return this.admin.createTransceiver(body);
  }

  @Get('transceivers/:transceiverId')
  transceiver(@Param('transceiverId') transceiverId: string) {
    return this.admin.transceiver(transceiverId);
  }

  @Post('transceivers/:transceiverId/modules')
  addModule(@Param('transceiverId') transceiverId: string, @Body(new ZodPipe(CreateModuleBody)) body: CreateModule) {
    return this.admin.addModule(transceiverId, body);
  }

  @Post('device-models')
  createDeviceModel(@Body(new ZodPipe(CreateDeviceModelBody)) body: CreateDeviceModel) {
    return this.admin.createDeviceModel(body);
  }

  @Post('device-models/:modelId/firmware')
  addFirmware(@Param('modelId') modelId: string, @Body(new ZodPipe(CreateFirmwareBody)) body: CreateFirmware) {
    return this.admin.addFirmware(modelId, body);
  }

  /** Multipart upload, field `file`: an Excel (.xlsx) or CSV file with a header row (see ImportService). */
  @Post('import')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: 5 * 1024 * 1024 } }))
  import(@UploadedFile() file: UploadedImport | undefined): Promise<ImportSummary> {
    if (!file) throw new ValidationError('upload the file as multipart field "file"');
    return this.importer.importFile(file.buffer);
  }

  /** Messages that could not be ingested, newest first. */
  @Get('rejected')
  rejected(@Query('limit', new ZodPipe(Limit)) limit: number) {
    return this.admin.rejected(limit);
  }
}
