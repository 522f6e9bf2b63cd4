import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ROOT_LOGGER } from '@cpo/platform';
import {
  defaultTokenEncoding,
  hubCredentials,
  isSuccess,
  parseCredentials,
  parseVersionDetails,
  partyKey,
  VersionList,
  type OcpiVersion,
  type PartnerEndpoint,
  type TokenEncoding,
} from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ConnectionLookup } from '../edge/connection-lookup.js';
import type { RequestLike } from '../edge/hub-urls.js';
import { HubUrls } from '../edge/hub-urls.js';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { invalidParameters, methodNotAllowed, noMatchingEndpoints, unableToUseClientApi, unsupportedVersion } from '../edge/ocpi-errors.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { isRegistered, type Connection } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';
import { requiredEndpoints } from './hub-endpoints.js';
import { ClientInfoService } from '../hubclientinfo/client-info.service.js';

/** The credentials handshake (token A → B/C), update (PUT, rotation) and delete, for both versions. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly repo: PartnersRepository,
    private readonly vault: TokenVault,
    private readonly client: PartnerClient,
    private readonly lookup: ConnectionLookup,
    private readonly urls: HubUrls,
    private readonly clientInfo: ClientInfoService,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** `GET credentials`: our credentials for this connection, token C in plaintext (ocpi/ocpi#394). */
  async current(ctx: OcpiContext, req: RequestLike): Promise<Record<string, unknown>> {
    const c = ctx.connection;
    if (!isRegistered(c) || !c.ourTokenEnc || ctx.tokenKind === 'A') throw methodNotAllowed('not registered');
    return this.ours(c.version, c, this.vault.decrypt(c.ourTokenEnc), req);
  }

  /** POST (first registration) or PUT (update: version switch and/or rotation; endpoints re-fetched). */
  async register(ctx: OcpiContext, body: unknown, mode: 'post' | 'put', req: RequestLike): Promise<Record<string, unknown>> {
    const version = ctx.version;
    const before = ctx.connection;
    if (mode === 'post' && isRegistered(before)) throw methodNotAllowed('already registered: use PUT to update or DELETE to unregister');
    if (mode === 'put' && !isRegistered(before)) throw methodNotAllowed('not registered: use POST');
    if (version === '2.1.1' && ctx.face !== before.face) throw invalidParameters(`this connection registers on the ${before.face}`);
    const implied = before.face === 'emsp-face' ? 'CPO' : 'EMSP';
    const creds = parseCredentials(version, body, implied);
    if (!creds.ok) throw invalidParameters(`invalid credentials: ${creds.reason}`);
    if (version === '2.1.1' && before.parties.length !== 1) throw invalidParameters('a 2.1.1 connection carries exactly one party');
    const registered = new Set(before.parties.map((p) => `${partyKey(p)}/${p.role}`));
    const unknown = creds.parties.filter((p) => !registered.has(`${partyKey(p)}/${p.role}`));
    if (unknown.length > 0) throw invalidParameters(`parties not registered for this connection: ${unknown.map((p) => `${partyKey(p)}/${p.role}`).join(', ')}`);

    const { endpoints, encoding } = await this.discover(before, version, creds.url, creds.token, ctx.correlationId);
    const missing = requiredEndpoints(before.parties.map((p) => p.role)).filter((m) => !endpoints.some((e) => e.identifier === m));
    if (missing.length > 0) throw noMatchingEndpoints(`required endpoints missing: ${missing.join(', ')}`);

    const tokenC = this.vault.newToken();
    await this.repo.transaction(async (tx) => {
      const locked = await this.repo.findConnectionForUpdate(tx, before.id);
      if (!locked) throw unableToUseClientApi('connection vanished');
      if (mode === 'post' && isRegistered(locked)) throw methodNotAllowed('already registered');
      await this.repo.saveRegistration(tx, before.id, {
        version,
        partnerTokenEnc: this.vault.encrypt(creds.token),
        partnerVersionsUrl: creds.url,
        endpoints,
        ourTokenHmac: this.vault.index(tokenC),
        ourTokenEnc: this.vault.encrypt(tokenC),
        businessDetails: creds.businessDetails,
        graceMs: mode === 'put' ? this.config.OCPI_TOKEN_GRACE_MS : undefined,
      });
      if (encoding !== before.outboundEncoding && before.outboundEncoding === null && encoding !== defaultTokenEncoding(version)) {
        await tx.query(`UPDATE ocpi_connection SET outbound_encoding = $2 WHERE id = $1`, [before.id, encoding]);
      }
    });
    this.lookup.invalidate();
    this.logger.info({ partner: before.name, version, mode, endpoints: endpoints.length }, 'ocpi partner registered');
    if (mode === 'post') this.clientInfo.notify(await this.clientInfo.noticesForConnection(before, 'CONNECTED'), ctx.correlationId);
    return this.ours(version, before, tokenC, req);
  }

  /** DELETE: unregister; all tokens die and automated traffic stops. */
  async unregister(ctx: OcpiContext): Promise<void> {
    if (!isRegistered(ctx.connection) || ctx.tokenKind === 'A') throw methodNotAllowed('not registered');
    await this.repo.transaction((tx) => this.repo.unregister(tx, ctx.connection.id));
    this.lookup.invalidate();
    this.logger.info({ partner: ctx.connection.name }, 'ocpi partner unregistered');
    this.clientInfo.notify(await this.clientInfo.noticesForConnection(ctx.connection, 'SUSPENDED'), ctx.correlationId);
  }

  private ours(version: OcpiVersion, c: Connection, token: string, req: RequestLike): Record<string, unknown> {
    return hubCredentials(version, {
      token,
      url: this.urls.versionsUrl(c.face, req),
      hub: { countryCode: this.config.OCPI_HUB_COUNTRY_CODE, partyId: this.config.OCPI_HUB_PARTY_ID },
      name: this.config.OCPI_HUB_NAME,
    });
  }

  /**
   * Calls the partner's versions and version details with its token B. Without a configured
   * encoding, a 401 in the version's default form is retried once in the other form (the spec's
   * "trial and error"), and the form that worked is kept.
   */
  private async discover(c: Connection, version: OcpiVersion, versionsUrl: string, token: string, correlationId: string): Promise<{ endpoints: PartnerEndpoint[]; encoding: TokenEncoding }> {
    const forms: TokenEncoding[] = c.outboundEncoding ? [c.outboundEncoding] : [defaultTokenEncoding(version), defaultTokenEncoding(version) === 'base64' ? 'plain' : 'base64'];
    let lastProblem = '';
    for (const encoding of forms) {
      const get = (url: string, module: string) => this.client.call({ connectionId: c.id, partner: c.name, module, method: 'GET', url, token, encoding, correlationId });
      let versions;
      try {
        versions = await get(versionsUrl, 'versions');
      } catch (err) {
        throw unableToUseClientApi(`could not call the partner's versions endpoint: ${(err as DomainError).message}`, err);
      }
      if (versions.httpStatus === 401) {
        lastProblem = 'partner refused our call with 401';
        continue;
      }
      if (!isSuccess(versions.httpStatus, versions.envelope?.status_code)) throw unableToUseClientApi(`partner versions endpoint answered HTTP ${versions.httpStatus}`);
      const list = VersionList.safeParse(versions.envelope?.data);
      if (!list.success) throw unableToUseClientApi('partner versions endpoint returned no version list');
      const match = list.data.find((v) => v.version === version);
      if (!match) throw unsupportedVersion(`partner does not support OCPI ${version} (offers ${list.data.map((v) => v.version).join(', ') || 'nothing'})`);
      let details;
      try {
        details = await get(match.url, 'versions');
      } catch (err) {
        throw unableToUseClientApi(`could not call the partner's version details: ${(err as DomainError).message}`, err);
      }
      if (!isSuccess(details.httpStatus, details.envelope?.status_code)) throw unableToUseClientApi(`partner version details answered HTTP ${details.httpStatus}`);
      const parsed = parseVersionDetails(version, details.envelope?.data);
      if (!parsed.ok) throw unableToUseClientApi(`invalid version details: ${parsed.reason}`);
      return { endpoints: parsed.endpoints, encoding };
    }
    throw unableToUseClientApi(lastProblem);
  }
}
