import type { OcpiVersion, PartnerEndpoint, Role, TokenEncoding } from '@cpo/ocpi-protocol';

/** Which 2.1.1 face a connection registers on: CPOs connect to the eMSP face and vice versa. */
export type Face = 'cpo-face' | 'emsp-face';
export type ConnectionStatus = 'PLANNED' | 'CONNECTED' | 'OFFLINE' | 'SUSPENDED';

/** One party (country code + party id + role) a connection carries. */
export interface Party {
  id: string;
  connectionId: string;
  countryCode: string;
  partyId: string;
  role: Role;
}

/** A partner platform's OCPI connection to the hub. Tokens stay sealed here; see TokenVault. */
export interface Connection {
  id: string;
  name: string;
  face: Face;
  status: ConnectionStatus;
  version: OcpiVersion | null;
  endpoints: PartnerEndpoint[];
  partnerVersionsUrl: string | null;
  partnerTokenEnc: string | null;
  ourTokenEnc: string | null;
  outboundEncoding: TokenEncoding | null;
  inboundEncoding: TokenEncoding | null;
  ownerIdExtensions: boolean;
  needsResync: boolean;
  /** Last change of status or registration. */
  updatedAt: Date;
  parties: Party[];
}

export interface Agreement {
  id: string;
  cpo: Party;
  emsp: Party;
  rtaOnTimeout: 'ALLOW' | 'DENY';
  rtaTimeoutMs: number | null;
  /** The 2.1.1 custom charging-profiles module may be used between these two parties (guide §7.8). */
  chargingProfiles211: boolean;
}

/** A connection is registered once the credentials handshake completed. */
export function isRegistered(c: Connection): c is Connection & { version: OcpiVersion } {
  return c.version !== null && c.partnerTokenEnc !== null;
}

/** The face a set of roles registers on (a pure eMSP connects to our CPO face). */
export function faceForRoles(roles: Role[]): Face {
  return roles.every((r) => r === 'EMSP') ? 'cpo-face' : 'emsp-face';
}

/** Name of the internal connection that carries the platform's own CPO party (never registered over OCPI). */
export const OWN_CONNECTION_NAME = 'platform-own-cpo';
