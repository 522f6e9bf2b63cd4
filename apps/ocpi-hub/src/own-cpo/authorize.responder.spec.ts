import { jest } from '@jest/globals';
import { OcpiTokenAuthorizeReplyV1 } from '@cpo/contracts';
import type { Logger } from 'pino';
import type { OcpiHubConfig } from '../config.js';
import type { AuthorizeResult, RtaService } from '../tokens/rta.service.js';
import { AuthorizeResponder } from './authorize.responder.js';
import type { OwnPartyService } from './own-party.service.js';

/** The reply schema of ocpp replicas released before `decidedOnTimeout` (strict, as theirs is). */
const ReplyBeforeTheFlag = OcpiTokenAuthorizeReplyV1.omit({ decidedOnTimeout: true });

function responder(result: AuthorizeResult) {
  const rta = { authorize: jest.fn(async () => result) } as unknown as RtaService;
  const own = { get: () => ({ countryCode: 'DE', partyId: 'CPO' }) } as unknown as OwnPartyService;
  const logger = { info: jest.fn() } as unknown as Logger;
  return new AuthorizeResponder({} as never, rta, own, { OCPI_AUTH_TIMEOUT_MS: 3_000 } as OcpiHubConfig, logger);
}

const request = { uid: 'RFID-SLOW', tokenType: 'RFID' as const, stationId: 'CP-1' };

describe('AuthorizeResponder: decidedOnTimeout', () => {
  it("marks an allow by the agreement's on-timeout policy (ocpp reuses it for the StartTransaction)", async () => {
    const reply = await responder({ kind: 'answer', info: { allowed: 'ALLOWED', authorization_reference: 'ref-1' } as never, onTimeout: true }).handle(request);
    expect(reply).toEqual({ allowed: 'ALLOWED', authorizationReference: 'ref-1', decidedOnTimeout: true });
  });

  it('leaves a refusal on timeout unmarked: no ocpp replica reads it there, and one of the previous release (a rolling update) must still read the refusal as one', async () => {
    // Marked, an older replica's strict schema refused the whole reply: no decision, so its default
    // (Accepted where so configured) or an allow of the tag there in the last minutes let the tag in.
    const reply = await responder({ kind: 'answer', info: { allowed: 'NOT_ALLOWED' } as never, onTimeout: true }).handle(request);
    expect(ReplyBeforeTheFlag.safeParse(reply).success).toBe(true);
    expect(reply).toEqual({ allowed: 'NOT_ALLOWED' });
  });
});
