import type { OcpiVersion, RoutingHeaders, TokenEncoding } from '@cpo/ocpi-protocol';
import type { Request } from 'express';
import type { Connection, Face, Party } from '../partners/partner.types.js';
import type { TokenKind } from '../partners/partners.repository.js';

/** What the OCPI guard learned about a request; handlers read it with `ocpiContextOf`. */
export interface OcpiContext {
  version: OcpiVersion;
  /** The 2.1.1 face the request came in on (2.2.1 requests have none). */
  face?: Face;
  connection: Connection;
  tokenKind: TokenKind;
  tokenEncoding: TokenEncoding;
  /** This hop's request id: the caller's, or a new one; echoed on the response. */
  requestId: string;
  /** Kept across hops; created when a (2.1.1) partner sends none. */
  correlationId: string;
  routing: RoutingHeaders;
}

const KEY = Symbol('ocpi-context');

export function setOcpiContext(req: Request, ctx: OcpiContext): void {
  (req as unknown as Record<symbol, OcpiContext>)[KEY] = ctx;
}

export function ocpiContextOf(req: Request): OcpiContext | undefined {
  return (req as unknown as Record<symbol, OcpiContext | undefined>)[KEY];
}

/** The context of a request that passed the guard. */
export function requireContext(req: Request): OcpiContext {
  const ctx = ocpiContextOf(req);
  if (!ctx) throw new Error('OCPI route without OcpiAuthGuard');
  return ctx;
}

/** The sender's parties of one role (2.1.1: the single party of the connection). */
export function partiesWithRole(ctx: OcpiContext, role: Party['role']): Party[] {
  return ctx.connection.parties.filter((p) => p.role === role);
}
