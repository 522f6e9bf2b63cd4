import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { OcpiHubConfig } from '../config.js';
import type { ObjectsRepository } from '../objects/objects.repository.js';
import type { PartnerClient } from '../outbound/partner-client.js';
import type { Party } from '../partners/partner.types.js';
import type { PartnersRepository } from '../partners/partners.repository.js';
import type { PartnersService } from '../partners/partners.service.js';
import type { TokenVault } from '../partners/token-vault.js';
import { RtaService } from './rta.service.js';
import type { TokenRoutesRepository } from './token-routes.repository.js';

const emsp = { countryCode: 'FR', partyId: 'SLW', role: 'EMSP', connectionId: 'conn-1' };
const cpo = { countryCode: 'DE', partyId: 'CPO', role: 'CPO' } as unknown as Party;

/** The hub with one eMSP owning the cached token `token`, which never answers in time, under an agreement of ALLOW on timeout. */
function hubWith(token: Record<string, unknown>) {
  const partners = { agreedCounterparts: async () => [{ party: emsp, agreement: { rtaOnTimeout: 'ALLOW', rtaTimeoutMs: 20 } }] } as unknown as PartnersService;
  const connection = { id: 'conn-1', name: 'slow', version: '2.2.1', partnerTokenEnc: 'enc', status: 'CONNECTED', endpoints: [{ identifier: 'tokens', role: 'SENDER', url: 'https://emsp.example/tokens' }] };
  const repo = { findConnection: async () => connection } as unknown as PartnersRepository;
  const objects = { findAmong: async () => [{ countryCode: 'FR', partyId: 'SLW', data: token, sourceVersion: '2.2.1' }] } as unknown as ObjectsRepository;
  const remember = jest.fn(async () => undefined);
  const routes = { find: async () => undefined, remember } as unknown as TokenRoutesRepository;
  // The eMSP never answers: the call ends only when the deadline aborts it.
  const call = (options: { signal: AbortSignal }) => new Promise((_, reject) => options.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  const client = { call } as unknown as PartnerClient;
  const vault = { decrypt: () => 'token-b' } as unknown as TokenVault;
  const logger = { info: jest.fn(), warn: jest.fn() } as unknown as Logger;
  return { rta: new RtaService(partners, repo, objects, routes, client, vault, { OCPI_AUTH_TIMEOUT_MS: 1_000 } as OcpiHubConfig, logger), remember };
}

const request = { cpo, uid: 'RFID-1', type: 'RFID', correlationId: 'c-1' };
const token = (valid: boolean) => ({ country_code: 'FR', party_id: 'SLW', uid: 'RFID-1', type: 'RFID', contract_id: 'FR-SLW-C1', issuer: 'Slow', valid, whitelist: 'ALLOWED', last_updated: '2026-12-07T12:00:00Z' });

describe("RtaService: a known token whose eMSP does not answer in time, under an agreement's ALLOW on timeout", () => {
  it('is allowed by the policy, marked as decided on timeout', async () => {
    const { rta, remember } = hubWith(token(true));
    const result = await rta.authorize(request);
    expect(result).toMatchObject({ kind: 'answer', info: { allowed: 'ALLOWED' }, onTimeout: true });
    expect(remember).toHaveBeenCalled();
  });

  it('is not allowed when the eMSP has pushed it as no longer valid (a blocked card): the policy stands in for an answer, not against what the eMSP said', async () => {
    const { rta, remember } = hubWith(token(false));
    const result = await rta.authorize(request);
    expect(result).toMatchObject({ kind: 'answer', info: { allowed: 'NOT_ALLOWED' } });
    expect(remember).not.toHaveBeenCalled();
  });
});
