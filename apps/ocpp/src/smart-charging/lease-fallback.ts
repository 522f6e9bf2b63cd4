import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { buildLeaseFallback, leaseFallbackProfileId } from './profile-builder.js';
import { StationCaller } from './station-caller.js';
import { learnedForm, sendWithWholeAmperes, type DispatchCapabilities } from './whole-amperes.js';

/**
 * The level-0 profile under a leased connector profile (guide §3.3): the planned limit goes to stack
 * level 1 with an end a lease away, renewed while we reach the charger (`LeaseRenewal`); if we stop
 * (outage, lost connection), it lapses and this fallback applies, by the charger alone. Installed
 * once per connection and connector (a reconnect or a move to another replica installs it again,
 * since a rebooted charger may have lost it); when the socket is on another replica, every time.
 */
@Injectable()
export class LeaseFallback {
  private readonly logger: Logger;
  /** Connectors with the fallback installed, per local connection (the session object). */
  private readonly installed = new WeakMap<object, Set<number>>();

  constructor(
    private readonly caller: StationCaller,
    private readonly registry: SessionRegistry,
    private readonly metrics: OcppMetrics,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-lease' });
  }

  /** True when the connector has its fallback (installed now or earlier on this connection); `phases`: the connector's (for W). */
  async ensure(stationId: string, connectorId: number, caps: DispatchCapabilities, now: Date, ctx?: StationContext, phases = 3): Promise<boolean> {
    const session = ctx ?? this.registry.get(stationId);
    if (session && this.installed.get(session)?.has(connectorId)) return true;
    const fallback = buildLeaseFallback(connectorId, caps, now, this.config.OCPP_PROFILE_LEASE_FALLBACK_A, this.config.OCPP_NOMINAL_VOLTAGE_V, phases);
    // A configured fallback with a decimal (6.5 A) meets the same naive validators as the limits.
    const { reply } = await sendWithWholeAmperes(learnedForm(caps, fallback), (b) => this.caller.setProfile(stationId, b, ctx));
    const accepted = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
    this.metrics.leaseFallbacks.inc({ outcome: accepted ? 'installed' : 'failed' });
    if (!accepted) {
      const result = reply.status === 'ok' ? String(reply.payload['status']) : `${reply.code}: ${reply.description}`;
      this.logger.warn({ stationId, connectorId, result }, 'lease fallback not installed; the connector profile is sent without an end');
      return false;
    }
    if (session) {
      const set = this.installed.get(session) ?? new Set<number>();
      set.add(connectorId);
      this.installed.set(session, set);
    }
    return true;
  }

  /** Someone else's ClearChargingProfile may have removed the connector's fallback (all connectors when undefined): install it again when next needed. */
  forget(stationId: string, connectorId: number | undefined, ctx?: StationContext): void {
    const session = ctx ?? this.registry.get(stationId);
    const installed = session && this.installed.get(session);
    if (connectorId === undefined) installed?.clear();
    else installed?.delete(connectorId);
  }

  /** Removes the fallback (the station turned out to take stack level 0 only, where our profile now goes). */
  async clear(stationId: string, connectorId: number, ctx?: StationContext): Promise<void> {
    const session = ctx ?? this.registry.get(stationId);
    if (session) this.installed.get(session)?.delete(connectorId);
    const reply = await this.caller.call(stationId, 'ClearChargingProfile', { id: leaseFallbackProfileId(connectorId) }, { ctx });
    if (reply.status !== 'ok') this.logger.warn({ stationId, connectorId, result: `${reply.code}: ${reply.description}` }, 'lease fallback not cleared');
  }
}
