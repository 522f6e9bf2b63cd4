import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DevicePathErrorFilter } from './device-path.filter.js';

/**
 * Installs {@link DevicePathErrorFilter} as a global filter. Nest consults global filters in
 * reverse registration order and registers them in module scan order, so this module is imported
 * after PlatformModule to take precedence over the platform's filter.
 */
@Module({ providers: [{ provide: APP_FILTER, useClass: DevicePathErrorFilter }] })
export class DeviceApiModule {}
