import { ModuleId, type OcpiVersion, type PartnerEndpoint } from '@cpo/ocpi-protocol';
import type { HubUrls, RequestLike } from '../edge/hub-urls.js';
import type { Face } from '../partners/partner.types.js';

/** Functional modules the hub serves on both interfaces (2.2.1) / both faces (2.1.1). */
export const HUB_MODULES: readonly string[] = [ModuleId.Locations, ModuleId.Tokens, ModuleId.Sessions, ModuleId.Cdrs, ModuleId.Tariffs, ModuleId.Commands, ModuleId.ChargingProfiles];

/**
 * What the hub advertises in version details (guide §2): on 2.2.1 every module twice (SENDER and
 * RECEIVER) plus credentials and hubclientinfo; on 2.1.1 the module ids of the face, the custom
 * charging-profiles module only to a connection one of whose agreements enables it (§7.8).
 */
export function hubEndpoints(urls: HubUrls, version: OcpiVersion, face: Face, req: RequestLike, options: { chargingProfiles211?: boolean } = {}): PartnerEndpoint[] {
  if (version === '2.1.1') {
    const modules = HUB_MODULES.filter((m) => m !== ModuleId.ChargingProfiles || options.chargingProfiles211 === true);
    return [ModuleId.Credentials, ...modules].map((identifier) => ({ identifier, url: urls.moduleUrl('2.1.1', face, identifier, undefined, req) }));
  }
  const out: PartnerEndpoint[] = [
    { identifier: ModuleId.Credentials, role: 'SENDER', url: urls.moduleUrl('2.2.1', face, ModuleId.Credentials, undefined, req) },
    { identifier: ModuleId.HubClientInfo, role: 'SENDER', url: urls.moduleUrl('2.2.1', face, ModuleId.HubClientInfo, 'SENDER', req) },
  ];
  for (const identifier of HUB_MODULES) {
    out.push({ identifier, role: 'SENDER', url: urls.moduleUrl('2.2.1', face, identifier, 'SENDER', req) });
    out.push({ identifier, role: 'RECEIVER', url: urls.moduleUrl('2.2.1', face, identifier, 'RECEIVER', req) });
  }
  return out;
}

/**
 * Endpoints a partner must offer for its roles, per the interface the hub pushes to:
 * a CPO must receive tokens, an eMSP must receive locations.
 */
export function requiredEndpoints(roles: string[]): string[] {
  const required = new Set<string>();
  if (roles.includes('CPO')) required.add(ModuleId.Tokens);
  if (roles.includes('EMSP')) required.add(ModuleId.Locations);
  return [...required];
}
