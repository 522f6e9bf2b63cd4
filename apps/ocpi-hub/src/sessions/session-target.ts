import { authorizationReference, contractIdOwner, type OcpiVersion, type PartyRef } from '@cpo/ocpi-protocol';

type Json = Record<string, unknown>;

/** What a Session or CDR says about the eMSP it belongs to, in the order the hub tries (guide §8.2). */
export interface TargetHints {
  authorizationReference?: string;
  tokenUid?: string;
  tokenType: string;
  /** The eMSP named by the contract id / 2.1.1 auth_id prefix. */
  contractOwner?: PartyRef;
}

export function targetHints(version: OcpiVersion, body: Json): TargetHints {
  if (version === '2.2.1') {
    const token = (body.cdr_token ?? {}) as Json;
    const contractId = typeof token.contract_id === 'string' ? token.contract_id : undefined;
    return {
      authorizationReference: authorizationReference(body),
      tokenUid: typeof token.uid === 'string' ? token.uid : undefined,
      tokenType: typeof token.type === 'string' ? token.type : 'RFID',
      contractOwner: contractId ? contractIdOwner(contractId) : undefined,
    };
  }
  const authId = typeof body.auth_id === 'string' ? body.auth_id : undefined;
  return { authorizationReference: authorizationReference(body), tokenType: 'RFID', contractOwner: authId ? contractIdOwner(authId) : undefined };
}
