import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, ConflictError, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import { isConfigurationKey, securityProfileRefusal } from '../commands/command-rules.js';
import type { OcppConfig } from '../config.js';
import { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { FirmwareReread } from './firmware-reread.js';
import { AuthorizationKeyRotation } from './authorization-key-rotation.js';
import { CERTIFICATE_AUTHORITY, type CheckedRequest, type ChargerCertificateAuthority } from './certificate-authority.js';
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
  /** CSRs answered Accepted by the CA policy, by request object, until the after-answer hook signs them. */
  private readonly approved = new WeakMap<object, CheckedRequest>();

  constructor(
    private readonly dispatcher: Ocpp16Dispatcher,
    private readonly stations: StationService,
    private readonly repository: StationRepository,
    private readonly metrics: OcppMetrics,
    private readonly executor: CommandExecutor,
    private readonly keys: AuthorizationKeyRotation,
    private readonly firmware: FirmwareReread,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    /** Set with OCPP_SIGN_CERTIFICATE=ca. */
    @Inject(CERTIFICATE_AUTHORITY) private readonly ca: ChargerCertificateAuthority | null,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-security' });
  }

  onModuleInit(): void {
    if (this.ca) this.metrics.caNotAfter.set(Math.floor(this.ca.notAfter.getTime() / 1000));
    // A SecurityProfile the charger accepts makes it reconnect under that profile: refused before it
    // is sent when that reconnection could not succeed (no key we can check, no TLS, a lowering).
    // A new AuthorizationKey is valid from before it is sent (AuthorizationKeyRotation).
    this.executor.beforeSending('ChangeConfiguration', async (ctx, payload) => {
      const { key, value } = payload as { key: string; value: string };
      if (isConfigurationKey(key, 'AuthorizationKey')) return this.keys.stage(ctx.stationId, payload);
      if (!isConfigurationKey(key, 'SecurityProfile')) return;
      const tls = this.config.HTTP_TLS_CERT_FILE !== undefined || this.config.OCPP_TRUST_PROXY_TLS;
      const refusal = securityProfileRefusal(value, await this.repository.admission(ctx.stationId), tls);
      if (refusal) throw new ConflictError(refusal, { key, value });
    });
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
      await this.stations.uploadStatus(ctx.stationId, 'log', req.status, call.receivedAt, { action: 'LogStatusNotification', payload: req }, req.requestId);
      return {};
    });
    this.dispatcher.handle(
      'SignedFirmwareStatusNotification',
      async (req, ctx, call) => {
        // A signed update is a firmware update: its progress is the station's firmware status (and
        // its current request's when it names that request's requestId).
        const { readConfiguration } = await this.stations.uploadStatus(ctx.stationId, 'firmware', req.status, call.receivedAt, { action: 'SignedFirmwareStatusNotification', payload: req }, req.requestId);
        this.firmware.mark(ctx, readConfiguration);
        return {};
      },
      (_req, _conf, ctx) => this.firmware.after(ctx),
    );
    this.dispatcher.handle(
      'SignCertificate',
      async (req, ctx) => {
        // Kept whatever the answer: with `manual` an operator signs it; otherwise it shows what the charger asked for.
        await this.repository.storeMessage(this.repository.manager, ctx.stationId, 'SignCertificate', req);
        const policy = this.config.OCPP_SIGN_CERTIFICATE;
        if (policy === 'ca') {
          const checked = await this.ca!.check(req.csr, await this.certificateNames(ctx.stationId));
          if (checked.ok) {
            this.approved.set(req, checked);
            return { status: 'Accepted' };
          }
          this.metrics.certificates.inc({ outcome: 'refused' });
          this.logger.warn({ stationId: ctx.stationId, reason: checked.reason }, 'certificate signing request refused');
          return { status: 'Rejected' };
        }
        const manual = policy === 'manual';
        this.logger.info({ stationId: ctx.stationId, policy }, manual ? 'certificate signing request kept for an operator' : 'certificate signing request refused (no CA configured)');
        return { status: manual ? 'Accepted' : 'Rejected' };
      },
      async (req, _conf, ctx) => {
        const checked = this.approved.get(req);
        this.approved.delete(req);
        if (checked) await this.sign(checked, ctx);
      },
    );
  }

  /** CN a charger's certificate may carry: its identity, or a serial number its boot reported that is no other station's (guide: CN = the charger serial number). */
  private async certificateNames(stationId: string): Promise<string[]> {
    return [stationId, ...(await this.repository.serialNumbers(stationId)).filter((n) => n !== stationId)];
  }

  /**
   * After the Accepted is on the wire (A02.FR.04): issue the certificate and send it with
   * CertificateSigned. What was issued and the charger's answer are kept as a station message.
   */
  private async sign(checked: CheckedRequest, ctx: StationContext): Promise<void> {
    const issued = await this.ca!.issue(checked);
    const outcome = await ctx.call('CertificateSigned', { certificateChain: issued.chain });
    const answer = outcome.kind === 'result' ? (outcome.payload as { status?: string }).status : outcome.kind;
    const record = { serialNumber: issued.serialNumber, commonName: checked.commonName, notAfter: issued.notAfter.toISOString(), answer, certificateChain: issued.chain };
    await this.repository.storeMessage(this.repository.manager, ctx.stationId, 'CertificateSigned', record);
    this.metrics.certificates.inc({ outcome: answer === 'Accepted' ? 'installed' : 'not_installed' });
    const log = { stationId: ctx.stationId, serialNumber: issued.serialNumber, notAfter: record.notAfter, answer };
    if (answer === 'Accepted') this.logger.info(log, 'charger certificate issued and installed');
    else this.logger.warn(log, 'charger certificate issued but not installed by the charger');
  }
}
