import { defaultTokenEncoding, type TokenEncoding } from '@cpo/ocpi-protocol';
import type { Connection } from '../partners/partner.types.js';
import type { TokenVault } from '../partners/token-vault.js';

/** The token B and its outbound form for calling a registered partner. */
export function partnerToken(vault: TokenVault, c: Connection): { token: string; encoding: TokenEncoding } {
  if (!c.partnerTokenEnc || !c.version) throw new Error(`connection ${c.id} is not registered`);
  return { token: vault.decrypt(c.partnerTokenEnc), encoding: c.outboundEncoding ?? defaultTokenEncoding(c.version) };
}
