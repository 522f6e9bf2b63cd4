import { NotFoundError } from '@cpo/platform';
import { bodyOwner, sameParty, type PartyRef } from '@cpo/ocpi-protocol';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { invalidParameters } from '../edge/ocpi-errors.js';
import type { Party } from '../partners/partner.types.js';

/**
 * Ownership rules of a push (guide §8.1): the URL owner must be one of the sender's parties in the
 * owning role (else HTTP 404, so nothing leaks), and FROM and the body's owner ids, when present,
 * must agree with the URL (else 2001).
 */
export function checkOwner(ctx: OcpiContext, urlOwner: PartyRef, role: Party['role'], body?: Record<string, unknown>): Party {
  const party = ctx.connection.parties.find((p) => p.role === role && sameParty(p, urlOwner));
  if (!party) throw new NotFoundError(`${urlOwner.countryCode}/${urlOwner.partyId} is not one of your ${role} parties`, { httpStatus: 404, ocpiStatus: 2000 });
  if (ctx.routing.from && !sameParty(ctx.routing.from, urlOwner)) throw invalidParameters('OCPI-from-* headers do not match the owner in the URL');
  const inBody = body ? bodyOwner(body) : undefined;
  if (inBody && !sameParty(inBody, urlOwner)) throw invalidParameters('country_code/party_id in the body do not match the URL');
  return party;
}
