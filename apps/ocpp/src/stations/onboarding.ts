import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import type { StationContext } from '../connection/station-context.js';
import { sampledDataChange } from './measurands.js';
import { REREAD_KEYS } from './reboot-reread.js';
import { StationConfigurationRepository } from './station-configuration.repository.js';

export { WANTED_MEASURANDS } from './measurands.js';

/**
 * Onboarding: read the whole configuration (capabilities are derived from it and the read is
 * recorded as `configuration_read_at` by ConfigurationEffects) and ask for the measurands we need,
 * trimmed to what the charger says it can hold. It runs after an accepted boot whose details
 * changed (first boot, new firmware), and after any accepted boot or reconnection of an accepted
 * station whose configuration has not been read yet: a failed read (CallError, timeout, socket
 * gone) is retried at the next chance instead of leaving the capabilities empty until a firmware
 * change. Every refusal is just recorded: the station keeps working with what it has.
 * A boot that follows a change answered RebootRequired or an accepted Reset re-reads only the keys
 * capabilities come from; one after a firmware install reads the whole configuration again
 * (StationRepository.recordBoot decides); any other boot of an onboarded station reads nothing.
 */
@Injectable()
export class Onboarding implements OnModuleInit {
  /** Connections being onboarded: a boot right after a reconnection must not read twice. */
  private readonly running = new Set<string>();

  constructor(
    private readonly lifecycle: StationLifecycle,
    private readonly executor: CommandExecutor,
    private readonly configuration: StationConfigurationRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // Before the limits are sent after a boot or connection (StationLimitsConsumer runs later): they are built on what this reads.
    this.lifecycle.onAccepted(async (ctx, { bootChanged }) => {
      if (bootChanged) return this.onboard(ctx);
      await this.readDue(ctx);
    });
    this.lifecycle.onConnected((ctx) => this.readDue(ctx));
  }

  /**
   * The whole configuration when it has not been read yet, else the capability keys when a boot
   * asked for them (after a change answered RebootRequired, an accepted Reset) and they have not
   * been read since: one query for the state, and for most boots nothing more. Also after a firmware
   * install reported once the station rebooted into it (`StationService.uploadStatus`).
   */
  async readDue(ctx: StationContext): Promise<void> {
    const { read, rereadSince } = await this.configuration.configurationState(ctx.stationId);
    if (!read) await this.onboard(ctx);
    else if (rereadSince !== undefined) await this.once(ctx, () => this.reread(ctx, rereadSince));
  }

  /**
   * Confirms what the boot applied and takes what the charger really runs (a value it capped, a
   * change made on the charger itself): the answer updates the capabilities (ConfigurationEffects).
   * A failed read stays due and is retried at the next boot or connection.
   */
  private async reread(ctx: StationContext, since: string): Promise<void> {
    const read = await this.executor.execute(ctx, { action: 'GetConfiguration', payload: { key: [...REREAD_KEYS] } });
    if (read.status !== 'ok') {
      this.logger.warn({ stationId: ctx.stationId, code: read.code, description: read.description }, 'capability keys re-read after the reboot failed; retried at the next boot or connection');
      return;
    }
    await this.configuration.rereadDone(ctx.stationId, since);
  }

  private async once(ctx: StationContext, run: () => Promise<void>): Promise<void> {
    if (this.running.has(ctx.connectionId)) return;
    this.running.add(ctx.connectionId);
    try {
      await run();
    } finally {
      this.running.delete(ctx.connectionId);
    }
  }

  private onboard(ctx: StationContext): Promise<void> {
    return this.once(ctx, () => this.readWhole(ctx));
  }

  private async readWhole(ctx: StationContext): Promise<void> {
    const read = await this.executor.execute(ctx, { action: 'GetConfiguration', payload: {} });
    if (read.status !== 'ok') {
      this.logger.warn({ stationId: ctx.stationId, code: read.code, description: read.description }, 'onboarding configuration read failed; retried at the next boot or connection');
      return;
    }
    const keys = (read.payload as unknown as Ocpp16.GetConfigurationResponse).configurationKey ?? [];
    const value = sampledDataChange(keys);
    if (value !== undefined) await this.executor.execute(ctx, { action: 'ChangeConfiguration', payload: { key: 'MeterValuesSampledData', value } });
  }
}
