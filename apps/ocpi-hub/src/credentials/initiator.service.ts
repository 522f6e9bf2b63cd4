import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, DomainError, NotFoundError, ROOT_LOGGER, UnavailableError, ValidationError } from '@cpo/platform';
import { defaultTokenEncoding, hubCredentials, isSuccess, parseCredentials, parseVersionDetails, partyKey, VersionList, type OcpiVersion, type PartnerEndpoint, type TokenEncoding } from '@cpo/ocpi-protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ConnectionLookup } from '../edge/connection-lookup.js';
import { HubUrls, type RequestLike } from '../edge/hub-urls.js';
import { ClientInfoService } from '../hubclientinfo/client-info.service.js';
import { PartnerClient, type OutboundResult } from '../outbound/partner-client.js';
import { isRegistered, OWN_CONNECTION_NAME, type Connection } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';
import { requiredEndpoints } from './hub-endpoints.js';

/** Versions the hub speaks, best first. */
const OUR_VERSIONS: OcpiVersion[] = ['2.2.1', '2.1.1'];

/**
 * The hub as the initiator of a registration (guide §2, the mirrored handshake): the partner gave
 * the operator its versions URL and a token A. The hub picks the best common version, reads the
 * partner's endpoints with token A, makes our token valid, POSTs our credentials with token A,
 * and stores the token the partner answers with (its token C, which the hub then calls it with).
 */
@Injectable()
export class InitiatorService {
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

  async register(connectionId: string, partner: { versionsUrl: string; tokenA: string }, req?: RequestLike): Promise<Connection> {
    const c = await this.repo.findConnection(connectionId);
    if (!c || c.name === OWN_CONNECTION_NAME) throw new NotFoundError(`connection ${connectionId} not found`);
    if (isRegistered(c)) throw new ConflictError('already registered: the partner updates it with PUT credentials');
    const correlationId = randomUUID();
    const { version, endpoints, encoding } = await this.discover(c, partner.versionsUrl, partner.tokenA, correlationId);
    const missing = requiredEndpoints(c.parties.map((p) => p.role)).filter((m) => !endpoints.some((e) => e.identifier === m));
    if (missing.length > 0) throw new ValidationError(`the partner offers no ${missing.join(', ')} endpoint`);
    // 2.2.1 advises role SENDER for credentials; a partner listing it twice gets the RECEIVER one.
    const credentials = endpoints.filter((e) => e.identifier === 'credentials');
    const credentialsUrl = (credentials.find((e) => e.role === 'RECEIVER') ?? credentials[0])?.url;
    if (!credentialsUrl) throw new ValidationError('the partner offers no credentials endpoint');

    const ours = this.vault.newToken();
    await this.repo.setPendingOurToken(c.id, this.vault.index(ours), this.vault.encrypt(ours));
    this.lookup.invalidate();
    try {
      const body = hubCredentials(version, { token: ours, url: this.urls.versionsUrl(c.face, req), hub: { countryCode: this.config.OCPI_HUB_COUNTRY_CODE, partyId: this.config.OCPI_HUB_PARTY_ID }, name: this.config.OCPI_HUB_NAME });
      const res = await this.call(c, 'credentials', 'POST', credentialsUrl, partner.tokenA, encoding, correlationId, body);
      if (!isSuccess(res.httpStatus, res.envelope?.status_code)) throw new UnavailableError(`the partner refused our credentials: HTTP ${res.httpStatus}, status ${res.envelope?.status_code ?? 'none'} ${res.envelope?.status_message ?? ''}`.trim());
      const creds = parseCredentials(version, res.envelope?.data, c.face === 'emsp-face' ? 'CPO' : 'EMSP');
      if (!creds.ok) throw new ValidationError(`the partner answered invalid credentials: ${creds.reason}`);
      const registered = new Set(c.parties.map((p) => `${partyKey(p)}/${p.role}`));
      const unknown = creds.parties.filter((p) => !registered.has(`${partyKey(p)}/${p.role}`));
      if (unknown.length > 0) throw new ValidationError(`the partner answered parties this connection does not have: ${unknown.map((p) => `${partyKey(p)}/${p.role}`).join(', ')}`);
      await this.repo.transaction(async (tx) => {
        const locked = await this.repo.findConnectionForUpdate(tx, c.id);
        if (!locked || isRegistered(locked)) throw new ConflictError('registered meanwhile');
        await this.repo.saveRegistration(tx, c.id, { version, partnerTokenEnc: this.vault.encrypt(creds.token), partnerVersionsUrl: creds.url, endpoints, ourTokenHmac: this.vault.index(ours), ourTokenEnc: this.vault.encrypt(ours), businessDetails: creds.businessDetails });
        if (c.outboundEncoding === null && encoding !== defaultTokenEncoding(version)) await tx.query(`UPDATE ocpi_connection SET outbound_encoding = $2 WHERE id = $1`, [c.id, encoding]);
      });
    } catch (err) {
      // The partner did not take our credentials: our token must not stay valid.
      await this.repo.setPendingOurToken(c.id, null, null);
      this.lookup.invalidate();
      throw err;
    }
    this.lookup.invalidate();
    this.logger.info({ partner: c.name, version, endpoints: endpoints.length }, 'ocpi partner registered (hub initiated)');
    const registered = (await this.repo.findConnection(c.id))!;
    this.clientInfo.notify(await this.clientInfo.noticesForConnection(registered, 'CONNECTED'), correlationId);
    return registered;
  }

  /** Versions and version details with token A; without a configured form, a 401 is retried once in the other form. */
  private async discover(c: Connection, versionsUrl: string, token: string, correlationId: string): Promise<{ version: OcpiVersion; endpoints: PartnerEndpoint[]; encoding: TokenEncoding }> {
    // The version is not known yet: the 2.2.1 form first (the hub prefers 2.2.1), plain after a 401.
    const forms: TokenEncoding[] = c.outboundEncoding ? [c.outboundEncoding] : ['base64', 'plain'];
    for (const encoding of forms) {
      const versions = await this.call(c, 'versions', 'GET', versionsUrl, token, encoding, correlationId);
      if (versions.httpStatus === 401) continue;
      if (!isSuccess(versions.httpStatus, versions.envelope?.status_code)) throw new UnavailableError(`the partner's versions endpoint answered HTTP ${versions.httpStatus}`);
      const list = VersionList.safeParse(versions.envelope?.data);
      if (!list.success) throw new ValidationError("the partner's versions endpoint returned no version list");
      const version = OUR_VERSIONS.find((v) => list.data.some((x) => x.version === v));
      if (!version) throw new ValidationError(`no common OCPI version (the partner offers ${list.data.map((v) => v.version).join(', ') || 'nothing'})`);
      const details = await this.call(c, 'versions', 'GET', list.data.find((x) => x.version === version)!.url, token, encoding, correlationId);
      if (!isSuccess(details.httpStatus, details.envelope?.status_code)) throw new UnavailableError(`the partner's version details answered HTTP ${details.httpStatus}`);
      const parsed = parseVersionDetails(version, details.envelope?.data);
      if (!parsed.ok) throw new ValidationError(`invalid version details: ${parsed.reason}`);
      return { version, endpoints: parsed.endpoints, encoding };
    }
    throw new ValidationError('the partner refused token A (HTTP 401) in both forms');
  }

  private async call(c: Connection, module: string, method: 'GET' | 'POST', url: string, token: string, encoding: TokenEncoding, correlationId: string, body?: unknown): Promise<OutboundResult> {
    try {
      return await this.client.call({ connectionId: c.id, partner: c.name, module, method, url, token, encoding, correlationId, body });
    } catch (err) {
      throw new UnavailableError(`could not call the partner (${module}): ${(err as DomainError).message}`, undefined, { cause: err });
    }
  }
}
