import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { securityEventLabel } from './security-events.js';
import { StationRepository } from './station.repository.js';
import { StationService } from './station.service.js';

/**
 * Charger-initiated messages of the 1.6 security extension (Security Whitepaper ed. 3). Operator
 * commands of the extension (InstallCertificate, GetLog, ExtendedTriggerMessage, CertificateSigned...)
 * go through the command API like every CS→CP action.
 */
@Injectable()
export class SecurityHandlers implements OnModuleInit {
  private readonly logger: Logger;

  constructor(
    private readonly dispatcher: Ocpp16Dispatcher,
    private readonly stations: StationService,
    private readonly repository: StationRepository,
    private readonly metrics: OcppMetrics,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-security' });
  }

  onModuleInit(): void {
    this.dispatcher.handle('SecurityEventNotification', async (req, ctx) => {
      await this.repository.storeMessage(this.repository.manager, ctx.stationId, 'SecurityEventNotification', req);
      const label = securityEventLabel(req.type);
      this.metrics.securityEvents.inc({ type: label.type, critical: String(label.critical) });
      const log = { stationId: ctx.stationId, type: req.type, at: req.timestamp, techInfo: req.techInfo };
      if (label.critical) this.logger.warn(log, 'critical security event reported by a charger');
      else this.logger.info(log, 'security event reported by a charger');
      return {};
    });
    this.dispatcher.handle('LogStatusNotification', async (req, ctx, call) => {
      await this.stations.uploadStatus(ctx.stationId, 'log', req.status, call.receivedAt, { action: 'LogStatusNotification', payload: req });
      return {};
    });
    this.dispatcher.handle('SignedFirmwareStatusNotification', async (req, ctx, call) => {
      // A signed update is a firmware update: its progress is the station's firmware status.
      await this.stations.uploadStatus(ctx.stationId, 'firmware', req.status, call.receivedAt, { action: 'SignedFirmwareStatusNotification', payload: req });
      return {};
    });
    this.dispatcher.handle('SignCertificate', async (req, ctx) => {
      // Kept either way: with `manual` an operator signs it; with `reject` it shows what the charger asked for.
      await this.repository.storeMessage(this.repository.manager, ctx.stationId, 'SignCertificate', req);
      const manual = this.config.OCPP_SIGN_CERTIFICATE === 'manual';
      this.logger.info({ stationId: ctx.stationId, policy: this.config.OCPP_SIGN_CERTIFICATE }, manual ? 'certificate signing request kept for an operator' : 'certificate signing request refused (no CA configured)');
      return { status: manual ? 'Accepted' : 'Rejected' };
    });
  }
}
