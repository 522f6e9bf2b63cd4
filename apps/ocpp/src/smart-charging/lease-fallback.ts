import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { fallbackForm, LeaseFallbackRepository } from './lease-fallback.repository.js';
import { buildLeaseFallback, leaseFallbackProfileId } from './profile-builder.js';
import { StationCaller } from './station-caller.js';
import { learnedForm, sendWithWholeAmperes, type DispatchCapabilities } from './whole-amperes.js';

/**
 * The level-0 profile under a leased connector profile (guide §3.3): the planned limit goes to stack
 * level 1 with an end a lease away, renewed while we reach the charger (`LeaseRenewal`); if we stop
 * (outage, lost connection), it lapses and this fallback applies, by the charger alone. Sent once,
 * then again only when its form changes or the charger may have lost it: a reconnect or a boot
 * (their pass sends everything again, `since`), a ClearChargingProfile that may have hit it. What it
 * accepted is in the database (`LeaseFallbackRepository`), not in the socket's session: a pass on a
 * replica without the socket (through the bus) must not send it again before every plan's limit.
 */
@Injectable()
export class LeaseFallback {
  private readonly logger: Logger;

  constructor(
    private readonly caller: StationCaller,
    private readonly known: LeaseFallbackRepository,
    private readonly metrics: OcppMetrics,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-lease' });
  }

  /**
   * True when the connector has its fallback (accepted now, or earlier in this form); `phases`: the
   * connector's (for W). `since`: only one sent at or after counts (a reconnect's or boot's pass).
   */
  async ensure(stationId: string, connectorId: number, caps: DispatchCapabilities, now: Date, o: { ctx?: StationContext; phases?: number; since?: Date } = {}): Promise<boolean> {
    const fallback = learnedForm(caps, buildLeaseFallback(connectorId, caps, now, this.config.OCPP_PROFILE_LEASE_FALLBACK_A, this.config.OCPP_NOMINAL_VOLTAGE_V, o.phases ?? 3));
    const form = fallbackForm(fallback);
    if (await this.installedAlready(stationId, connectorId, form, o.since)) return true;
    const sentAt = new Date();
    // A configured fallback with a decimal (6.5 A) meets the same naive validators as the limits.
    const { reply } = await sendWithWholeAmperes(fallback, (b) => this.caller.setProfile(stationId, b, o.ctx));
    const accepted = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
    this.metrics.leaseFallbacks.inc({ outcome: accepted ? 'installed' : 'failed' });
    if (!accepted) {
      const result = reply.status === 'ok' ? String(reply.payload['status']) : `${reply.code}: ${reply.description}`;
      this.logger.warn({ stationId, connectorId, result }, 'lease fallback not installed; the connector profile is sent without an end');
      // Unanswered, it may or may not have replaced the one installed: sent again next time.
      await this.forgetting(stationId, connectorId);
      return false;
    }
    await this.known.accepted(stationId, connectorId, form, sentAt).catch((err: unknown) =>
      // Installed all the same; the next pass only sends it once more.
      this.logger.warn({ err, stationId, connectorId }, 'could not record the lease fallback as installed'),
    );
    return true;
  }

  /** Someone else's ClearChargingProfile or a boot may have removed the connector's fallback (all connectors when undefined): install it again when next needed. */
  async forget(stationId: string, connectorId: number | undefined): Promise<void> {
    await this.forgetting(stationId, connectorId);
  }

  /** Removes the fallback (the station turned out to take stack level 0 only, where our profile now goes). */
  async clear(stationId: string, connectorId: number, ctx?: StationContext): Promise<void> {
    await this.forgetting(stationId, connectorId);
    const reply = await this.caller.call(stationId, 'ClearChargingProfile', { id: leaseFallbackProfileId(connectorId) }, { ctx });
    if (reply.status !== 'ok') this.logger.warn({ stationId, connectorId, result: `${reply.code}: ${reply.description}` }, 'lease fallback not cleared');
  }

  /** Unknown (the database unreachable): sent again, harmless, rather than a lease without its fallback. */
  private async installedAlready(stationId: string, connectorId: number, form: string, since: Date | undefined): Promise<boolean> {
    try {
      return await this.known.installed(stationId, connectorId, form, since);
    } catch (err) {
      this.logger.warn({ err, stationId, connectorId }, 'could not read whether the lease fallback is installed; sending it');
      return false;
    }
  }

  /** Never throws: a row left behind is for a fallback the next reconnect or boot sends again anyway. */
  private async forgetting(stationId: string, connectorId: number | undefined): Promise<void> {
    await this.known.forget(stationId, connectorId).catch((err: unknown) => this.logger.warn({ err, stationId, connectorId }, 'could not forget the lease fallback'));
  }
}
