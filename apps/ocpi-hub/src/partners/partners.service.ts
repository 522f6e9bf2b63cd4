import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '@cpo/platform';
import { partyKey, type PartyRef, type Role, type TokenEncoding } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@cpo/platform';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { faceForRoles, type Agreement, type Connection, type Party } from './partner.types.js';
import { PartnersRepository } from './partners.repository.js';
import { TokenVault } from './token-vault.js';
import { OWN_CONNECTION_NAME } from './partner.types.js';
import { ClientInfoService } from '../hubclientinfo/client-info.service.js';
import { currentCorrelationId } from '@cpo/platform';
import { randomUUID } from 'node:crypto';

export interface NewConnection {
  name: string;
  parties: { countryCode: string; partyId: string; role: Role }[];
  ownerIdExtensions?: boolean;
  outboundEncoding?: TokenEncoding;
}

/** Operator-side rules for partners: connections with their token A, parties, roaming agreements. */
@Injectable()
export class PartnersService {
  constructor(
    private readonly repo: PartnersRepository,
    private readonly vault: TokenVault,
    private readonly clientInfo: ClientInfoService,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Creates a connection and its token A; the operator hands both to the partner out of band. */
  async createConnection(input: NewConnection): Promise<{ connection: Connection; tokenA: string }> {
    if (input.name === OWN_CONNECTION_NAME) throw new ValidationError(`"${OWN_CONNECTION_NAME}" is reserved for the platform's own CPO party`);
    const keys = new Set(input.parties.map((p) => `${partyKey(p)}*${p.role}`));
    if (keys.size !== input.parties.length) throw new ValidationError('a party is listed twice');
    const hub = { countryCode: this.config.OCPI_HUB_COUNTRY_CODE, partyId: this.config.OCPI_HUB_PARTY_ID };
    if (input.parties.some((p) => partyKey(p) === partyKey(hub))) throw new ValidationError('a partner cannot use the hub’s own party id');
    for (const p of input.parties) {
      if (await this.repo.findParty(p.countryCode, p.partyId, p.role)) throw new ConflictError(`party ${partyKey(p)} (${p.role}) already exists`);
    }
    const tokenA = this.vault.newToken();
    const id = await this.repo.transaction((tx) =>
      this.repo.createConnection(tx, {
        name: input.name,
        face: faceForRoles(input.parties.map((p) => p.role)),
        tokenAHmac: this.vault.index(tokenA),
        tokenAEnc: this.vault.encrypt(tokenA),
        parties: input.parties,
        ownerIdExtensions: input.ownerIdExtensions ?? true,
        outboundEncoding: input.outboundEncoding ?? null,
      }),
    );
    const connection = await this.getConnection(id);
    this.logger.info({ connectionId: id, parties: input.parties }, 'ocpi connection created');
    return { connection, tokenA };
  }

  async getConnection(id: string): Promise<Connection> {
    const c = await this.repo.findConnection(id);
    if (!c) throw new NotFoundError(`connection ${id} not found`);
    return c;
  }

  listConnections(): Promise<Connection[]> {
    return this.repo.listConnections();
  }

  /** An agreement lets data, commands and authorisation flow between one CPO and one eMSP party. */
  async createAgreement(input: { cpo: PartyRef; emsp: PartyRef; rtaOnTimeout?: 'ALLOW' | 'DENY'; rtaTimeoutMs?: number; chargingProfiles211?: boolean }): Promise<Agreement> {
    const cpo = await this.repo.findParty(input.cpo.countryCode, input.cpo.partyId, 'CPO');
    if (!cpo) throw new NotFoundError(`no CPO party ${partyKey(input.cpo)}`);
    const emsp = await this.repo.findParty(input.emsp.countryCode, input.emsp.partyId, 'EMSP');
    if (!emsp) throw new NotFoundError(`no eMSP party ${partyKey(input.emsp)}`);
    const existing = await this.repo.listAgreements({ partyIds: [cpo.id] });
    if (existing.some((a) => a.emsp.id === emsp.id)) throw new ConflictError('agreement already exists');
    const id = await this.repo.transaction((tx) => this.repo.createAgreement(tx, { cpoParty: cpo.id, emspParty: emsp.id, rtaOnTimeout: input.rtaOnTimeout ?? 'DENY', rtaTimeoutMs: input.rtaTimeoutMs ?? null, chargingProfiles211: input.chargingProfiles211 ?? false }));
    const [agreement] = await this.repo.listAgreements({ id });
    this.logger.info({ agreementId: id, cpo: partyKey(cpo), emsp: partyKey(emsp) }, 'roaming agreement created');
    // Each side learns about the other, with the other's current connection status.
    const [cpoConn, emspConn] = await Promise.all([this.repo.findConnection(cpo.connectionId), this.repo.findConnection(emsp.connectionId)]);
    this.clientInfo.notify(
      [
        { to: emsp, about: cpo, status: cpoConn?.status ?? 'PLANNED' },
        { to: cpo, about: emsp, status: emspConn?.status ?? 'PLANNED' },
      ],
      currentCorrelationId() ?? randomUUID(),
    );
    return agreement;
  }

  /** Changes an agreement's settings (real-time authorisation policy, the 2.1.1 charging-profiles extension). */
  async updateAgreement(id: string, input: { rtaOnTimeout?: 'ALLOW' | 'DENY'; rtaTimeoutMs?: number; chargingProfiles211?: boolean }): Promise<Agreement> {
    const found = await this.repo.transaction((tx) => this.repo.updateAgreement(tx, id, input));
    if (!found) throw new NotFoundError(`agreement ${id} not found`);
    const [agreement] = await this.repo.listAgreements({ id });
    this.logger.info({ agreementId: id, ...input }, 'roaming agreement changed');
    return agreement;
  }

  /**
   * Whether the 2.1.1 custom charging-profiles module is offered to a connection: some party of it
   * has an agreement that enables the extension (guide §7.8: custom modules only to parties that agreed).
   */
  async chargingProfiles211Offered(connection: Connection): Promise<boolean> {
    if (connection.parties.length === 0) return false;
    const agreements = await this.repo.listAgreements({ partyIds: connection.parties.map((p) => p.id) });
    return agreements.some((a) => a.chargingProfiles211);
  }

  async deleteAgreement(id: string): Promise<Agreement> {
    const [agreement] = await this.repo.listAgreements({ id });
    if (!agreement) throw new NotFoundError(`agreement ${id} not found`);
    await this.repo.transaction((tx) => this.repo.deleteAgreement(tx, id));
    this.logger.info({ agreementId: id }, 'roaming agreement revoked');
    // There is no DELETE of a ClientInfo: SUSPENDED tells each side the other is gone for it.
    this.clientInfo.notify(
      [
        { to: agreement.emsp, about: agreement.cpo, status: 'SUSPENDED' },
        { to: agreement.cpo, about: agreement.emsp, status: 'SUSPENDED' },
      ],
      currentCorrelationId() ?? randomUUID(),
    );
    return agreement;
  }

  listAgreements(): Promise<Agreement[]> {
    return this.repo.listAgreements();
  }

  /** The parties of one role that have an agreement with `party` (CPO → its eMSPs and vice versa). */
  async agreedCounterparts(party: Party): Promise<{ party: Party; agreement: Agreement }[]> {
    const agreements = await this.repo.listAgreements({ partyIds: [party.id] });
    return agreements.map((a) => ({ party: a.cpo.id === party.id ? a.emsp : a.cpo, agreement: a }));
  }
}
