import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { personalDataRef, ROOT_LOGGER } from '@cpo/platform';
import { authorizationInfoTo, authorizationReference, endpointUrl, locationReferencesTo, partyKey, type AuthorizationInfo, type OcpiVersion, type PartyRef } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered, type Agreement, type Party } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { TokenVault } from '../partners/token-vault.js';
import { interpretAnswer } from './rta-answer.js';
import { raceAuthorization, type Ask } from './rta-race.js';
import { TokenRoutesRepository } from './token-routes.repository.js';

export interface AuthorizeRequest {
  /** The CPO party asking. */
  cpo: Party;
  uid: string;
  type: string;
  /** LocationReferences as the CPO sent them (passed on unchanged). */
  locationReferences?: Record<string, unknown>;
  correlationId: string;
  /** The version the CPO speaks (the answer is shaped for it); the own party's bus requests are 2.2.1. */
  cpoVersion?: OcpiVersion;
  /**
   * `Date.now()` by which the eMSPs' answers must be in, whatever an agreement's own `rtaTimeoutMs`:
   * the asker gives up then (the ocpp service's bus request), so a later answer, or the agreement's
   * on-timeout policy applied after a longer deadline, would never reach the charger.
   */
  answerBy?: number;
}

export type AuthorizeResult =
  /** `onTimeout`: the owner did not answer in time and its agreement's rtaOnTimeout decided. */
  | { kind: 'answer'; info: AuthorizationInfo; emsp?: PartyRef; onTimeout?: true }
  | { kind: 'unknown' };

interface Candidate {
  party: Party;
  agreement: Agreement;
  /** The version the eMSP answers in (set when it is asked). */
  version?: OcpiVersion;
}

/**
 * Real-time authorisation (guide §7.3, §8.3). A token the hub knows goes to its owner only; an
 * unknown one to every eMSP the CPO has an agreement with, in parallel under a hard deadline.
 * A timeout on a known token follows the agreement's policy; an unknown token is never allowed.
 */
@Injectable()
export class RtaService {
  constructor(
    private readonly partners: PartnersService,
    private readonly repo: PartnersRepository,
    private readonly objects: ObjectsRepository,
    private readonly routes: TokenRoutesRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async authorize(r: AuthorizeRequest): Promise<AuthorizeResult> {
    const agreed: Candidate[] = (await this.partners.agreedCounterparts(r.cpo)).filter((c) => c.party.role === 'EMSP');
    const known = await this.objects.findAmong('tokens', agreed.map((c) => c.party), [], r.uid, r.type);
    const remembered = known.length === 0 ? await this.routes.find(r.cpo, r.uid, r.type) : undefined;
    const owners = known.length > 0 ? known.map((k) => ({ countryCode: k.countryCode, partyId: k.partyId })) : remembered ? [remembered.emsp] : [];
    const candidates = owners.length > 0 ? agreed.filter((c) => owners.some((o) => partyKey(o) === partyKey(c.party))) : agreed;
    const isKnown = owners.length > 0;

    const asks: Ask<Candidate>[] = [];
    for (const c of candidates) {
      const conn = await this.repo.findConnection(c.party.connectionId);
      if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') continue;
      const base = endpointUrl(conn.endpoints, 'tokens', conn.version === '2.2.1' ? 'SENDER' : undefined);
      if (!base) continue;
      const url = `${base.replace(/\/$/, '')}/${encodeURIComponent(r.uid)}/authorize${conn.version === '2.2.1' ? `?type=${encodeURIComponent(r.type)}` : ''}`;
      const agreed = c.agreement.rtaTimeoutMs ?? this.config.OCPI_AUTH_TIMEOUT_MS;
      const timeoutMs = r.answerBy === undefined ? agreed : Math.max(1, Math.min(agreed, r.answerBy - Date.now()));
      asks.push({
        emsp: { ...c, version: conn.version },
        timeoutMs,
        ask: async (signal) => {
          const res = await this.client.call({
            connectionId: conn.id,
            partner: conn.name,
            module: 'tokens',
            method: 'POST',
            url,
            personalData: r.uid,
            ...partnerToken(this.vault, conn),
            body: locationReferencesTo(conn.version, r.locationReferences),
            correlationId: r.correlationId,
            timeoutMs,
            signal,
            ...(conn.version === '2.2.1' ? { to: c.party, from: r.cpo } : {}),
          });
          return interpretAnswer(conn.version, res.httpStatus, res.envelope);
        },
      });
    }

    const outcome = await raceAuthorization(asks);
    this.logger.info({ uidRef: personalDataRef(r.uid), cpo: partyKey(r.cpo), asked: asks.length, known: isKnown, outcome: outcome.kind }, 'real-time authorisation');
    if (outcome.kind === 'allowed' || outcome.kind === 'refused') {
      const emsp = { countryCode: outcome.emsp.party.countryCode, partyId: outcome.emsp.party.partyId };
      const mine = known.find((k) => partyKey(k) === partyKey(emsp));
      if (outcome.kind === 'allowed') await this.remember(r, emsp, authorizationReference(outcome.info), contractIdOf(outcome.info.token, mine?.data));
      const info = authorizationInfoTo(r.cpoVersion ?? '2.2.1', outcome.emsp.version ?? '2.2.1', outcome.info, { emsp, knownToken: mine?.data, knownTokenVersion: mine?.sourceVersion });
      return { kind: 'answer', info: info as AuthorizationInfo, emsp };
    }
    if (outcome.kind === 'timeout' && isKnown) {
      // Only the owner of a known token was asked, so its agreement decides.
      const owner = outcome.emsp[0];
      const cached = known.find((k) => partyKey(k) === partyKey(owner.party))?.data;
      // The policy stands in for the owner's answer, not against what it told us: a token it has
      // pushed as no longer valid (a blocked card) is not let in because it is slow to answer.
      if (owner.agreement.rtaOnTimeout === 'ALLOW' && cached?.['valid'] !== false) {
        const reference = randomUUID();
        const emsp = { countryCode: owner.party.countryCode, partyId: owner.party.partyId };
        await this.remember(r, emsp, reference, contractIdOf(cached));
        return { kind: 'answer', info: this.hubAnswer(r, 'ALLOWED', emsp, known[0], reference), emsp, onTimeout: true };
      }
      return { kind: 'answer', info: this.hubAnswer(r, 'NOT_ALLOWED', { countryCode: owner.party.countryCode, partyId: owner.party.partyId }, known[0]), onTimeout: true };
    }
    return { kind: 'unknown' };
  }

  /** The hub's own answer on a timeout, with the token as the CPO's version shapes it. */
  private hubAnswer(r: AuthorizeRequest, allowed: 'ALLOWED' | 'NOT_ALLOWED', emsp: PartyRef, token: { data: Record<string, unknown>; sourceVersion: OcpiVersion } | undefined, reference?: string): AuthorizationInfo {
    const info = { allowed, ...(reference ? { authorization_reference: reference } : {}) };
    return authorizationInfoTo(r.cpoVersion ?? '2.2.1', '2.2.1', info, { emsp, knownToken: token?.data, knownTokenVersion: token?.sourceVersion }) as AuthorizationInfo;
  }

  private async remember(r: AuthorizeRequest, emsp: PartyRef, reference: string | undefined, contractId: string | undefined): Promise<void> {
    const locationId = typeof r.locationReferences?.location_id === 'string' ? r.locationReferences.location_id : undefined;
    await this.routes.remember({ cpo: r.cpo, uid: r.uid, type: r.type, emsp, authorizationReference: reference, locationId, contractId });
  }
}

/**
 * The token's contract id (2.1.1 `auth_id`) as its eMSP knows it, for the Session and CDR (a 2.1.1
 * eMSP matches its sessions by `auth_id`): from the token a 2.2.1 AuthorizationInfo carries, else
 * the cached Token; undefined when neither names one (the Session then uses the uid).
 */
function contractIdOf(...tokens: unknown[]): string | undefined {
  for (const t of tokens) {
    if (typeof t !== 'object' || t === null) continue;
    const id = (t as Record<string, unknown>).contract_id ?? (t as Record<string, unknown>).auth_id;
    if (typeof id === 'string' && id.length > 0) return id;
  }
  return undefined;
}
