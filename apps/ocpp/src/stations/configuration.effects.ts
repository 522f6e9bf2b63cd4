import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import { triggeredActions16, type Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor, mayHaveReachedCharger } from '../commands/command-executor.js';
import { isConfigurationKey, securityProfileOf } from '../commands/command-rules.js';
import type { StationContext } from '../connection/station-context.js';
import { BootTriggers } from './boot-triggers.js';
import { capabilitiesChange } from './capabilities.js';
import { ConnectorNotices } from './connector-notices.js';
import { pendingChange, rereadAtBoot } from './reboot-reread.js';
import { StationConfigurationRepository } from './station-configuration.repository.js';
import { StationRepository } from './station.repository.js';

/** Configuration keys are CiString: `authorizationkey` is the AuthorizationKey. */
/** The AuthorizationKey is write-only: its value is never stored nor shown, whoever reports it. */
function masked<K extends { key: string; value?: string | null }>(keys: K[]): K[] {
  return keys.map((k) => (isConfigurationKey(k.key, 'AuthorizationKey') ? { ...k, value: null } : k));
}

/**
 * Keeps what we know of a charger's configuration in step with the commands it accepted: the keys
 * it reported, the capabilities derived from them, the Basic-auth key after a rotation, and the
 * security profile it was raised to (TC_083). A change answered `RebootRequired` is kept pending
 * until the charger's next boot, which applies it (see reboot-reread.ts).
 * Key rotation (TC_073): `Accepted` switches to the new key at once. `RebootRequired` means the
 * charger keeps using the old key until it reboots, so the new one is kept pending: both are
 * valid until the charger first authenticates with the new one, which then replaces the old.
 */
@Injectable()
export class ConfigurationEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly stations: StationRepository,
    private readonly configuration: StationConfigurationRepository,
    private readonly notices: ConnectorNotices,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly bootTriggers: BootTriggers,
  ) {}

  onModuleInit(): void {
    this.executor.afterAnswer('GetConfiguration', async (ctx, payload, answer) => {
      const { configurationKey: keys = [], unknownKey = [] } = answer as unknown as Ocpp16.GetConfigurationResponse;
      const whole = !((payload as unknown as Ocpp16.GetConfigurationRequest).key?.length);
      // A partial read is as true as a full one for the keys it answers: their capabilities follow
      // it (a key the charger says it does not have takes its capability off), the others stay.
      const capabilities = capabilitiesChange(keys, unknownKey, whole);
      // A key the charger says it does not have is not shown as if it had it (e.g. a firmware update removed it).
      await this.configuration.mergeConfiguration(ctx.stationId, masked(keys), { capabilities, unknown: unknownKey, whole });
      // An emulated station cap is split over the count: split again over the one just stored.
      if (capabilities.set.numberOfConnectors !== undefined) this.notices.counted(ctx, capabilities.set.numberOfConnectors);
    });
    this.executor.afterAnswer('ChangeConfiguration', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.ChangeConfigurationRequest;
      const status = (answer as unknown as Ocpp16.ChangeConfigurationResponse).status;
      if (status !== 'Accepted' && status !== 'RebootRequired') return;
      // Write-only, never stored in clear; its hash is AuthorizationKeyRotation's.
      if (isConfigurationKey(req.key, 'AuthorizationKey')) return;
      if (isConfigurationKey(req.key, 'SecurityProfile') && status === 'Accepted') await this.raiseSecurityProfile(ctx, req.value);
      // Under the spelling we hold: `heartbeatinterval` is the charger's HeartbeatInterval, not a key beside it.
      const key = (await this.configuration.configurationKeySpelling(ctx.stationId, req.key)) ?? req.key;
      // Accepted but not in effect before the reboot (OCPP 1.6 §5.3): profiles built on the new value
      // meanwhile could be refused, so the boot applies it and reads the capability keys again.
      if (rereadAtBoot({ action: 'ChangeConfiguration', status })) return this.configuration.stagePending(ctx.stationId, pendingChange(key, req.value));
      // Read-only by the spec mostly, but a charger that took a new value reports it from then on.
      const capabilities = capabilitiesChange([{ key: req.key, value: req.value }]);
      // Taken now: a value staged for the reboot by an earlier RebootRequired answer no longer applies.
      await this.configuration.mergeConfiguration(ctx.stationId, [{ key, readonly: false, value: req.value }], { capabilities, settled: [key] });
      if (capabilities.set.numberOfConnectors !== undefined) this.notices.counted(ctx, capabilities.set.numberOfConnectors);
    });
    // The reboot may bring changes made on the charger itself that waited for one.
    this.executor.afterAnswer('Reset', async (ctx, _payload, answer) => {
      const reread = rereadAtBoot({ action: 'Reset', status: String((answer as unknown as Ocpp16.ResetResponse).status) });
      if (reread) await this.configuration.rereadAtBoot(ctx.stationId, reread);
    });
    // NotImplemented is what the charger lacks, not its choice of the moment (guide §2.7): kept with
    // the station so operators stop asking; another answer for the message shows it is there now.
    this.executor.afterAnswer('TriggerMessage', async (ctx, payload, answer) => {
      const { requestedMessage } = payload as unknown as Ocpp16.TriggerMessageRequest;
      const { status } = answer as unknown as Ocpp16.TriggerMessageResponse;
      if (typeof requestedMessage === 'string') await this.stations.learnTriggerSupport(ctx.stationId, requestedMessage, status === 'NotImplemented');
    });
    for (const action of ['TriggerMessage', 'ExtendedTriggerMessage'] as const) {
      // Opened before sending: chargers often send the triggered message before their answer.
      this.executor.beforeSending(action, async (ctx, payload) => {
        for (const triggered of triggeredBy(payload)) ctx.expectTriggered(triggered, true, payload);
        // The boot it brings is no reboot (BootTriggers): known only once the charger accepts.
        if (asksForBoot(payload)) this.bootTriggers.sending(ctx.connectionId, payload);
        return payload;
      });
      // A trigger the charger refused (or answered with a CallError) brings nothing: closed again,
      // so an unrequested message of that kind does not pass a Pending station's gate meanwhile.
      this.executor.afterAnswer(action, async (ctx, payload, answer) => {
        const accepted = (answer as { status?: unknown }).status === 'Accepted';
        if (asksForBoot(payload)) this.bootTriggers.answered(ctx.connectionId, accepted, payload);
        if (!accepted) for (const triggered of triggeredBy(payload)) ctx.expectTriggered(triggered, false, payload);
      });
      // Also for a CallError after the timeout (`late`): the trigger brought nothing after all.
      this.executor.afterFailure(
        action,
        async (ctx, payload, failure) => {
          // Timed out in flight, the charger may still answer (OutboundCalls' late answers run the
          // answer hook above): left open for it, or a late acceptance was ignored and the boot it
          // brings recorded as a reboot. A boot meanwhile waits the bounded wait (BootTriggers.takeFor);
          // never answered, it is taken as a reboot (the safe side). Any other failure brought nothing.
          if (asksForBoot(payload) && !(failure.kind === 'timeout' && failure.unsent !== true)) this.bootTriggers.answered(ctx.connectionId, false, payload);
          if (!mayHaveReachedCharger(failure)) for (const triggered of triggeredBy(payload)) ctx.expectTriggered(triggered, false, payload);
        },
        { late: true },
      );
    }
  }

  /**
   * The charger now connects with the raised profile; from now on a connection below it is refused
   * (guide §1.9, A00.FR.002). Profile 3 (client certificates) is recorded as 2, the strictest this
   * central system enforces: TLS required, plain `ws` refused.
   */
  private async raiseSecurityProfile(ctx: StationContext, value: string): Promise<void> {
    const profile = securityProfileOf(value);
    if (profile === undefined || profile === 0) {
      this.logger.warn({ stationId: ctx.stationId, value }, 'charger accepted a SecurityProfile that raises nothing; not recorded');
      return;
    }
    if (profile === 3) this.logger.warn({ stationId: ctx.stationId }, 'security profile 3 is recorded as 2 (TLS required; client certificates are not checked here)');
    await this.stations.raiseSecurityProfile(ctx.stationId, profile === 1 ? 1 : 2);
  }
}

/** The actions a TriggerMessage / ExtendedTriggerMessage asks the charger to send. */
function triggeredBy(payload: unknown): readonly string[] {
  const requested = (payload as Ocpp16.TriggerMessageRequest | Ocpp16.ExtendedTriggerMessageRequest).requestedMessage;
  return typeof requested === 'string' ? triggeredActions16(requested) : [];
}

function asksForBoot(payload: unknown): boolean {
  return (payload as Ocpp16.TriggerMessageRequest | Ocpp16.ExtendedTriggerMessageRequest).requestedMessage === 'BootNotification';
}
