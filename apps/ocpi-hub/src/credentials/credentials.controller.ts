import { Body, Controller, Delete, Get, HttpCode, Post, Put, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request } from 'express';
import { ConfigModule, OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext } from '../edge/ocpi-context.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { CredentialsService } from './credentials.service.js';

const PATHS = ['cpo-face/2.1.1/credentials', 'emsp-face/2.1.1/credentials', '2.2.1/credentials'];

/** The credentials module of both faces and both versions. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
@ConfigModule()
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get(PATHS)
  async get(@Req() req: Request) {
    return ocpiResponse(OcpiStatus.Success, await this.credentials.current(requireContext(req), req));
  }

  @Post(PATHS)
  @HttpCode(200)
  async post(@Req() req: Request, @Body() body: unknown) {
    return ocpiResponse(OcpiStatus.Success, await this.credentials.register(requireContext(req), body, 'post', req));
  }

  @Put(PATHS)
  async put(@Req() req: Request, @Body() body: unknown) {
    return ocpiResponse(OcpiStatus.Success, await this.credentials.register(requireContext(req), body, 'put', req));
  }

  @Delete(PATHS)
  async delete(@Req() req: Request) {
    await this.credentials.unregister(requireContext(req));
    return ocpiResponse(OcpiStatus.Success);
  }
}
