import { Injectable, type OnModuleInit } from '@nestjs/common';
import { StationConfigurationRepository } from '../stations/station-configuration.repository.js';
import { CommandExecutor } from './command-executor.js';
import { STATION_LIMIT_KEYS, stationLimitsFrom } from './station-limits.js';

/**
 * Gives the executor the limits each station reported at onboarding (guide §3.2), read from the
 * stored configuration: the executor lives in the connection module, which does not reach the
 * stations' repositories, and the database answers on every replica, whoever holds the socket.
 */
@Injectable()
export class StationLimitChecks implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly configuration: StationConfigurationRepository,
  ) {}

  onModuleInit(): void {
    this.executor.limitedBy(async (stationId) => stationLimitsFrom(await this.configuration.configurationValues(stationId, STATION_LIMIT_KEYS)));
  }
}
